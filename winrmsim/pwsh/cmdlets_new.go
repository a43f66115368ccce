package pwsh

import "strings"

// cmdNewObject is New-Object for the few types a console uses: the text
// encodings (the WinRS console's init script sets [Console]::InputEncoding
// to one, which Windows runs without error) and PSObject/PSCustomObject
// with -Property. Any other type fails as on Windows.
func cmdNewObject(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	tn, ok := a.arg(0, "typename")
	if !ok {
		return stage{}, &psError{msg: "Cannot process command because of one or more missing mandatory parameters: TypeName.",
			command: "New-Object", category: "InvalidArgument: (:) [New-Object], ParameterBindingException",
			id: "MissingMandatoryParameter,Microsoft.PowerShell.Commands.NewObjectCommand", terminating: true}
	}
	name := toStr(tn)
	return source(func() error {
		switch strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "system.")) {
		case "text.utf8encoding":
			return out(encodingVal{"UTF8Encoding"})
		case "text.unicodeencoding":
			return out(encodingVal{"UnicodeEncoding"})
		case "text.asciiencoding":
			return out(encodingVal{"ASCIIEncoding"})
		case "management.automation.psobject", "psobject", "pscustomobject", "object":
			o := newObject("generic", "")
			if p, ok := a.get("property"); ok {
				if h, ok := p.(*hashtable); ok {
					for _, k := range h.keys {
						o.props = append(o.props, k)
						o.vals[strings.ToLower(k)] = h.get(k)
					}
				}
			}
			return out(o)
		}
		return &psError{msg: "Cannot find type [" + name + "]: verify that the assembly containing this type is loaded.",
			command: "New-Object", category: "InvalidType: (:) [New-Object], PSArgumentException",
			id: "TypeNotFound,Microsoft.PowerShell.Commands.NewObjectCommand"}
	}), nil
}

// encodingMember is a member of a text encoding value.
func encodingMember(e encodingVal, ln string) any {
	web, page := "utf-8", int64(65001)
	switch e.name {
	case "UnicodeEncoding":
		web, page = "utf-16", 1200
	case "ASCIIEncoding":
		web, page = "us-ascii", 20127
	case "SBCSCodePageEncoding":
		web, page = "Windows-1252", 1252
	}
	switch ln {
	case "webname", "bodyname", "headername":
		return web
	case "codepage", "windowscodepage":
		return page
	case "encodingname":
		return map[string]string{"utf-8": "Unicode (UTF-8)", "utf-16": "Unicode", "us-ascii": "US-ASCII",
			"Windows-1252": "Western European (Windows)"}[web]
	}
	return nil
}
