package pwsh

import (
	"sort"
	"strings"
	"time"
)

// vfs is the simulated file system: a map of absolute Windows paths.
type vfs struct {
	home  string
	nodes map[string]*vnode // key: lower-case path without trailing '\'
}

type vnode struct {
	name    string
	dir     bool
	data    string
	modTime time.Time
}

const maxFileSize = 16 << 20

func newVFS(opt Options) *vfs {
	_, user, ok := strings.Cut(opt.User, `\`)
	if !ok {
		user = opt.User
	}
	fs := &vfs{home: `C:\Users\` + user, nodes: map[string]*vnode{}}
	t := time.Date(2024, 5, 14, 9, 31, 0, 0, time.Local)
	for _, d := range []string{`C:\`, `C:\Windows`, `C:\Windows\System32`, `C:\Windows\Temp`, `C:\Program Files`,
		`C:\Program Files (x86)`, `C:\ProgramData`, `C:\Users`, `C:\Users\Public`, fs.home, fs.home + `\Desktop`,
		fs.home + `\Documents`, fs.home + `\Downloads`, fs.home + `\AppData`, fs.home + `\AppData\Local`,
		fs.home + `\AppData\Local\Temp`, `C:\inetpub`, `C:\inetpub\wwwroot`} {
		fs.put(d, &vnode{dir: true, modTime: t})
	}
	files := map[string]string{
		fs.home + `\Documents\notes.txt`:        "Remember to rotate the service account password.\r\nPatch Tuesday: second Tuesday of the month.\r\n",
		fs.home + `\Desktop\report.csv`:         "Name,Status\r\nSpooler,Running\r\nW32Time,Running\r\n",
		`C:\inetpub\wwwroot\iisstart.htm`:       "<!DOCTYPE html>\r\n<html><head><title>IIS Windows Server</title></head></html>\r\n",
		`C:\Windows\System32\drivers.txt`:       "",
		`C:\Windows\win.ini`:                    "; for 16-bit app support\r\n[fonts]\r\n[extensions]\r\n",
		`C:\Windows\System32\WindowsPowerShell`: "",
	}
	for p, d := range files {
		fs.put(p, &vnode{data: d, modTime: t})
	}
	fs.put(`C:\Windows\System32\WindowsPowerShell`, &vnode{dir: true, modTime: t})
	for _, f := range []string{"cmd.exe", "notepad.exe", "hostname.exe", "whoami.exe", "ipconfig.exe", "PING.EXE", "tasklist.exe"} {
		fs.put(`C:\Windows\System32\`+f, &vnode{data: strings.Repeat("MZ", 1000), modTime: t})
	}
	delete(fs.nodes, strings.ToLower(`C:\Windows\System32\drivers.txt`))
	return fs
}

func (fs *vfs) put(path string, n *vnode) {
	n.name = path[strings.LastIndexByte(path, '\\')+1:]
	if path == `C:\` {
		n.name = `C:\`
	}
	fs.nodes[key(path)] = n
}

func key(p string) string { return strings.ToLower(strings.TrimRight(p, `\`)) }

// resolve makes p absolute against cwd and cleans . and .. segments.
func (fs *vfs) resolve(cwd, p string) string {
	p = strings.ReplaceAll(p, "/", `\`)
	p = strings.TrimPrefix(p, "Microsoft.PowerShell.Core\\FileSystem::")
	switch {
	case p == "~" || strings.HasPrefix(p, `~\`):
		p = fs.home + p[1:]
	case len(p) >= 2 && p[1] == ':':
		p = strings.ToUpper(p[:1]) + p[1:]
	case strings.HasPrefix(p, `\`):
		p = "C:" + p
	default:
		p = cwd + `\` + p
	}
	var out []string
	for _, seg := range strings.Split(p, `\`) {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	if len(out) <= 1 {
		return `C:\`
	}
	return strings.Join(out, `\`)
}

func (fs *vfs) get(p string) *vnode { return fs.nodes[key(p)] }

// canonical returns the stored spelling of an existing path.
func (fs *vfs) canonical(p string) string {
	if p == `C:\` {
		return p
	}
	parent := fs.parent(p)
	n := fs.get(p)
	if n == nil {
		return p
	}
	if parent == `C:\` {
		return `C:\` + n.name
	}
	return fs.canonical(parent) + `\` + n.name
}

func (fs *vfs) parent(p string) string {
	i := strings.LastIndexByte(p, '\\')
	if i <= 2 {
		return `C:\`
	}
	return p[:i]
}

// list returns the children of dir sorted: directories first, by name.
func (fs *vfs) list(dir string) []string {
	prefix := key(dir) + `\`
	var out []string
	for k := range fs.nodes {
		if strings.HasPrefix(k, prefix) && !strings.Contains(k[len(prefix):], `\`) && k[len(prefix):] != "" {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := fs.nodes[out[i]], fs.nodes[out[j]]
		if a.dir != b.dir {
			return a.dir
		}
		return out[i] < out[j]
	})
	return out
}
