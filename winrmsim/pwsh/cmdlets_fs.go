package pwsh

import (
	"strings"
	"time"
)

func pathNotFound(cmd, p string) *psError {
	return &psError{msg: "Cannot find path '" + p + "' because it does not exist.", command: cmd,
		category: "ObjectNotFound: (" + p + ":String) [" + cmd + "], ItemNotFoundException",
		id:       "PathNotFound,Microsoft.PowerShell.Commands." + strings.ReplaceAll(cmd, "-", "") + "Command"}
}

func (in *interp) item(path string) *object {
	n := in.fs.get(path)
	mode := "-a----"
	length := any(int64(len(n.data)))
	if n.dir {
		mode, length = "d-----", nil
	}
	return newObject("file", n.name, "Mode", mode, "LastWriteTime", n.modTime, "Length", length, "Name", n.name,
		"FullName", in.fs.canonical(path), "PSParentPath", in.fs.canonical(in.fs.parent(path)), "PSIsContainer", n.dir)
}

func cmdGetLocation(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error { v, _ := in.getVar("pwd"); return out(v) }), nil
}

func cmdSetLocation(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, ok := a.arg(0, "path", "literalpath")
		if !ok {
			p = in.fs.home
		}
		abs := in.fs.resolve(in.cwd, toStr(p))
		n := in.fs.get(abs)
		if n == nil || !n.dir {
			return pathNotFound("Set-Location", abs)
		}
		in.cwd = in.fs.canonical(abs)
		return nil
	}), nil
}

func cmdGetChildItem(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, ok := a.arg(0, "path", "literalpath")
		dir := in.cwd
		pattern := ""
		if ok {
			dir = in.fs.resolve(in.cwd, toStr(p))
			if strings.ContainsAny(toStr(p), "*?") {
				dir, pattern = in.fs.parent(dir), dir[strings.LastIndexByte(dir, '\\')+1:]
			}
		}
		n := in.fs.get(dir)
		if n == nil {
			return pathNotFound("Get-ChildItem", dir)
		}
		if !n.dir {
			return out(in.item(dir))
		}
		for _, k := range in.fs.list(dir) {
			c := in.fs.nodes[k]
			if pattern != "" && !wildcard(pattern).MatchString(c.name) {
				continue
			}
			if a.flag("name") {
				if err := out(c.name); err != nil {
					return err
				}
				continue
			}
			if err := out(in.item(k)); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

func cmdGetContent(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, _ := a.arg(0, "path", "literalpath")
		abs := in.fs.resolve(in.cwd, toStr(p))
		n := in.fs.get(abs)
		if n == nil {
			return pathNotFound("Get-Content", abs)
		}
		if n.dir {
			return &psError{msg: "Access to the path '" + abs + "' is denied.", command: "Get-Content",
				category: "PermissionDenied: (" + abs + ":String) [Get-Content], UnauthorizedAccessException", id: "GetContentReaderUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetContentCommand"}
		}
		if a.flag("raw") {
			return out(n.data)
		}
		if n.data == "" {
			return nil
		}
		for _, l := range strings.Split(strings.TrimRight(n.data, "\r\n"), "\n") {
			if err := out(strings.TrimSuffix(l, "\r")); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

func cmdSetContent(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	appendMode := strings.EqualFold(a.name, "add-content") || strings.EqualFold(a.name, "ac") || a.flag("append")
	return gather(func(items []any) error {
		p, _ := a.arg(0, "path", "filepath", "literalpath")
		abs := in.fs.resolve(in.cwd, toStr(p))
		if par := in.fs.get(in.fs.parent(abs)); par == nil || !par.dir {
			return pathNotFound(titleCmd(strings.ToLower(a.name)), in.fs.parent(abs))
		}
		vals := items
		if v, ok := a.arg(1, "value", "inputobject"); ok {
			vals = append(flatten(v), vals...)
		}
		var b strings.Builder
		if strings.EqualFold(a.name, "out-file") {
			b.WriteString(strings.ReplaceAll(in.formatAll(vals), "\n", "\r\n"))
		} else {
			for _, v := range vals {
				b.WriteString(toStr(v) + "\r\n")
			}
		}
		n := in.fs.get(abs)
		if n == nil || !appendMode {
			n = &vnode{}
			in.fs.put(abs, n)
		}
		if len(n.data)+b.Len() > maxFileSize {
			return &psError{msg: "There is not enough space on the disk.", command: titleCmd(strings.ToLower(a.name)), category: "WriteError: (:) [], IOException", id: "System.IO.IOException"}
		}
		n.data += b.String()
		n.modTime = time.Now()
		return nil
	}), nil
}

func cmdNewItem(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, _ := a.arg(0, "path")
		if nm, ok := a.get("name"); ok {
			p = toStr(p) + `\` + toStr(nm)
			if _, has := a.arg(0, "path"); !has {
				p = toStr(nm)
			}
		}
		abs := in.fs.resolve(in.cwd, toStr(p))
		if in.fs.get(abs) != nil && !a.flag("force") {
			return &psError{msg: "An item with the specified name " + abs + " already exists.", command: "New-Item",
				category: "ResourceExists: (" + abs + ":String) [New-Item], IOException", id: "DirectoryExist,Microsoft.PowerShell.Commands.NewItemCommand"}
		}
		if par := in.fs.get(in.fs.parent(abs)); par == nil || !par.dir {
			return pathNotFound("New-Item", in.fs.parent(abs))
		}
		t, _ := a.get("itemtype", "type")
		v, _ := a.get("value")
		in.fs.put(abs, &vnode{dir: strings.EqualFold(toStr(t), "directory"), data: toStr(v), modTime: time.Now()})
		return out(in.item(abs))
	}), nil
}

func cmdRemoveItem(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, _ := a.arg(0, "path", "literalpath")
		abs := in.fs.resolve(in.cwd, toStr(p))
		if in.fs.get(abs) == nil {
			return pathNotFound("Remove-Item", abs)
		}
		if len(in.fs.list(abs)) > 0 && !a.flag("recurse") {
			return &psError{msg: "The item at " + abs + " has children and the Recurse parameter was not specified.", command: "Remove-Item",
				category: "InvalidOperation: (" + abs + ":String) [Remove-Item], IOException", id: "RemoveItemIOError,Microsoft.PowerShell.Commands.RemoveItemCommand"}
		}
		prefix := key(abs)
		for k := range in.fs.nodes {
			if k == prefix || strings.HasPrefix(k, prefix+`\`) {
				delete(in.fs.nodes, k)
			}
		}
		return nil
	}), nil
}

func cmdTestPath(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, _ := a.arg(0, "path", "literalpath")
		return out(in.fs.get(in.fs.resolve(in.cwd, toStr(p))) != nil)
	}), nil
}

// cmdGetItem outputs the item at a path; a missing one is ItemNotFound.
func cmdGetItem(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		p, ok := a.arg(0, "path", "literalpath")
		if !ok {
			p = "."
		}
		path := in.fs.resolve(in.cwd, toStr(p))
		if in.fs.get(path) == nil {
			return pathNotFound("Get-Item", path)
		}
		return out(in.item(path))
	}), nil
}
