package pwsh

import (
	"fmt"
	"strconv"
	"strings"
)

// nativeResult is what a simulated native program wrote.
type nativeResult struct {
	stdout, stderr string
	code           int
}

func isNative(name string) bool {
	switch name {
	case "hostname", "whoami", "ipconfig", "cmd", "ping", "systeminfo", "ver":
		return true
	}
	return false
}

// runNative runs a simulated native program; output uses CRLF.
func runNative(p *Process, name string, args []string) nativeResult {
	host := strings.ToUpper(p.opt.Host)
	switch strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".exe")) {
	case "hostname":
		return nativeResult{stdout: host + "\r\n"}
	case "whoami":
		return nativeResult{stdout: strings.ToLower(p.opt.User) + "\r\n"}
	case "ver":
		return nativeResult{stdout: "\r\nMicrosoft Windows [Version 10.0.17763.6189]\r\n"}
	case "ipconfig":
		return nativeResult{stdout: ipconfig(host, len(args) > 0 && strings.EqualFold(args[0], "/all"))}
	case "ping":
		target := "127.0.0.1"
		if len(args) > 0 {
			target = args[len(args)-1]
		}
		var b strings.Builder
		fmt.Fprintf(&b, "\r\nPinging %s with 32 bytes of data:\r\n", target)
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&b, "Reply from %s: bytes=32 time<1ms TTL=128\r\n", target)
		}
		fmt.Fprintf(&b, "\r\nPing statistics for %s:\r\n    Packets: Sent = 4, Received = 4, Lost = 0 (0%% loss),\r\n", target)
		return nativeResult{stdout: b.String()}
	case "systeminfo":
		return nativeResult{stdout: "\r\nHost Name:                 " + host + "\r\nOS Name:                   Microsoft Windows Server 2019 Standard\r\nOS Version:                10.0.17763 N/A Build 17763\r\n"}
	case "cmd":
		line := strings.Join(args, " ")
		for _, pre := range []string{"/c ", "/C ", "/k ", "/K ", "-c ", "-C "} {
			if strings.HasPrefix(line, pre) {
				return runCmdLine(p, strings.TrimSpace(line[len(pre):]))
			}
		}
		return runCmdLine(p, "")
	}
	return nativeResult{stderr: "'" + name + "' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", code: 1}
}

func ipconfig(host string, all bool) string {
	var b strings.Builder
	b.WriteString("\r\nWindows IP Configuration\r\n\r\n")
	if all {
		fmt.Fprintf(&b, "   Host Name . . . . . . . . . . . . : %s\r\n   Primary Dns Suffix  . . . . . . . : corp.example.com\r\n   Node Type . . . . . . . . . . . . : Hybrid\r\n   IP Routing Enabled. . . . . . . . : No\r\n   WINS Proxy Enabled. . . . . . . . : No\r\n\r\n", host)
	}
	b.WriteString("Ethernet adapter Ethernet0:\r\n\r\n   Connection-specific DNS Suffix  . : corp.example.com\r\n")
	if all {
		b.WriteString("   Description . . . . . . . . . . . : Intel(R) 82574L Gigabit Network Connection\r\n   Physical Address. . . . . . . . . : 00-15-5D-01-02-03\r\n   DHCP Enabled. . . . . . . . . . . : No\r\n")
	}
	b.WriteString("   Link-local IPv6 Address . . . . . : fe80::8d4c:2f1e:5a3b:9c01%4\r\n   IPv4 Address. . . . . . . . . . . : 10.0.0.15\r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n   Default Gateway . . . . . . . . . : 10.0.0.1\r\n")
	if all {
		b.WriteString("   DNS Servers . . . . . . . . . . . : 10.0.0.10\r\n")
	}
	return b.String()
}

// runCmdLine runs a cmd.exe command line (the subset documented).
func runCmdLine(p *Process, line string) nativeResult {
	name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(name) {
	case "":
		return nativeResult{stdout: "Microsoft Windows [Version 10.0.17763.6189]\r\n(c) 2018 Microsoft Corporation. All rights reserved.\r\n\r\n"}
	case "echo":
		if rest == "" {
			return nativeResult{stdout: "ECHO is on.\r\n"}
		}
		return nativeResult{stdout: expandCmdVars(p, rest) + "\r\n"}
	case "exit":
		f := strings.Fields(rest)
		if len(f) > 0 && strings.EqualFold(f[0], "/b") {
			f = f[1:]
		}
		code := 0
		if len(f) > 0 {
			code, _ = strconv.Atoi(f[0])
		}
		return nativeResult{code: code}
	case "dir":
		return nativeResult{stdout: cmdDir(p)}
	case "set":
		in := newInterp(p)
		var b strings.Builder
		for _, k := range []string{"COMPUTERNAME", "OS", "PATH", "SystemRoot", "TEMP", "USERDOMAIN", "USERNAME", "USERPROFILE", "windir"} {
			v, _ := in.env(k)
			b.WriteString(k + "=" + toStr(v) + "\r\n")
		}
		return nativeResult{stdout: b.String()}
	case "cd":
		if rest == "" {
			return nativeResult{stdout: newVFS(p.opt).home + "\r\n"}
		}
		return nativeResult{}
	case "type":
		fs := newVFS(p.opt)
		n := fs.get(fs.resolve(fs.home, rest))
		if n == nil || n.dir {
			return nativeResult{stderr: "The system cannot find the file specified.\r\n", code: 1}
		}
		return nativeResult{stdout: n.data}
	}
	return runNative(p, name, strings.Fields(rest))
}

func expandCmdVars(p *Process, s string) string {
	in := newInterp(p)
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			return s
		}
		v, ok := in.env(s[i+1 : i+1+j])
		if !ok {
			return s
		}
		s = s[:i] + toStr(v) + s[i+2+j:]
	}
}

func cmdDir(p *Process) string {
	fs := newVFS(p.opt)
	var b strings.Builder
	fmt.Fprintf(&b, " Volume in drive C has no label.\r\n Volume Serial Number is 5A3C-91F2\r\n\r\n Directory of %s\r\n\r\n", fs.home)
	files, dirs := 0, 2
	b.WriteString("05/14/2024  09:31 AM    <DIR>          .\r\n05/14/2024  09:31 AM    <DIR>          ..\r\n")
	for _, k := range fs.list(fs.home) {
		n := fs.nodes[k]
		if n.dir {
			dirs++
			fmt.Fprintf(&b, "05/14/2024  09:31 AM    <DIR>          %s\r\n", n.name)
		} else {
			files++
			fmt.Fprintf(&b, "05/14/2024  09:31 AM    %14d %s\r\n", len(n.data), n.name)
		}
	}
	fmt.Fprintf(&b, "               %d File(s)              0 bytes\r\n               %d Dir(s)  41,208,152,064 bytes free\r\n", files, dirs)
	return b.String()
}
