package pwsh

import "strings"

var procTable = []struct {
	name                 string
	handles, npm, pm, ws int64
	cpu                  float64
	id, si               int64
}{
	{"csrss", 412, 17, 1756, 5132, 0.52, 396, 0},
	{"dwm", 301, 18, 22412, 41200, 1.83, 948, 1},
	{"explorer", 1532, 72, 31104, 92348, 6.11, 3412, 1},
	{"Idle", 0, 0, 60, 8, 0, 0, 0},
	{"lsass", 1204, 27, 6344, 17212, 2.20, 640, 0},
	{"powershell", 603, 31, 61920, 71844, 0.95, 5120, 0},
	{"services", 240, 11, 4520, 9608, 1.02, 628, 0},
	{"smss", 53, 3, 1064, 1204, 0.05, 288, 0},
	{"spoolsv", 455, 24, 5856, 14728, 0.22, 1868, 0},
	{"svchost", 473, 27, 11352, 21748, 0.30, 2088, 0},
	{"System", 2771, 0, 188, 148, 14.64, 4, 0},
	{"wininit", 166, 11, 1368, 6788, 0.06, 500, 0},
	{"winlogon", 248, 12, 2556, 10544, 0.09, 560, 1},
	{"WmiPrvSE", 318, 16, 9112, 19324, 0.47, 3904, 0},
	{"wsmprovhost", 322, 25, 45128, 58632, 0.66, 4480, 0},
}

func cmdGetProcess(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		name, hasName := a.arg(0, "name")
		found := false
		for _, p := range procTable {
			if hasName && !wildcard(toStr(name)).MatchString(p.name) {
				continue
			}
			found = true
			o := newObject("process", "System.Diagnostics.Process ("+p.name+")", "Handles", p.handles, "NPM(K)", p.npm,
				"PM(K)", p.pm, "WS(K)", p.ws, "CPU(s)", p.cpu, "Id", p.id, "SI", p.si, "ProcessName", p.name)
			o.vals["name"] = p.name
			if err := out(o); err != nil {
				return err
			}
		}
		if hasName && !found {
			n := toStr(name)
			return &psError{msg: "Cannot find a process with the name \"" + n + "\". Verify the process name and call the cmdlet again.", command: "Get-Process",
				category: "ObjectNotFound: (" + n + ":String) [Get-Process], ProcessCommandException", id: "NoProcessFoundForGivenName,Microsoft.PowerShell.Commands.GetProcessCommand"}
		}
		return nil
	}), nil
}

var serviceTable = [][3]string{
	{"Running", "BITS", "Background Intelligent Transfer Ser..."},
	{"Running", "Dhcp", "DHCP Client"},
	{"Running", "Dnscache", "DNS Client"},
	{"Running", "EventLog", "Windows Event Log"},
	{"Stopped", "Fax", "Fax"},
	{"Running", "LanmanServer", "Server"},
	{"Running", "LanmanWorkstation", "Workstation"},
	{"Running", "Spooler", "Print Spooler"},
	{"Running", "W32Time", "Windows Time"},
	{"Running", "W3SVC", "World Wide Web Publishing Service"},
	{"Running", "WinRM", "Windows Remote Management (WS-Manag..."},
	{"Stopped", "wuauserv", "Windows Update"},
}

func cmdGetService(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		name, hasName := a.arg(0, "name")
		found := false
		for _, s := range serviceTable {
			if hasName && !wildcard(toStr(name)).MatchString(s[1]) {
				continue
			}
			found = true
			if err := out(newObject("service", "System.ServiceProcess.ServiceController", "Status", s[0], "Name", s[1], "DisplayName", s[2])); err != nil {
				return err
			}
		}
		if hasName && !found && !strings.ContainsAny(toStr(name), "*?") {
			n := toStr(name)
			return &psError{msg: "Cannot find any service with service name '" + n + "'.", command: "Get-Service",
				category: "ObjectNotFound: (" + n + ":String) [Get-Service], ServiceCommandException", id: "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand"}
		}
		return nil
	}), nil
}
