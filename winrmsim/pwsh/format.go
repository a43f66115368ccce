package pwsh

import (
	"fmt"
	"strings"
	"time"
)

// tableState is the table being streamed to the console (Out-Default
// groups consecutive objects of one view under one header).
type tableState struct {
	kind string
	dir  string
	cols []string
}

// display is Out-Default: it formats v and writes it to stdout. PowerShell
// writes LF line endings (as in the recordings).
func (in *interp) display(v any) error {
	s := in.formatOne(v, true)
	if s != "" {
		in.p.emit("stdout", s)
	}
	return nil
}

func (in *interp) endTable() {
	if in.table != nil {
		in.table = nil
		in.p.emit("stdout", "\n")
	}
}

// formatAll renders values as Out-String does.
func (in *interp) formatAll(vals []any) string {
	saved := in.table
	in.table = nil
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(in.formatOne(v, false))
	}
	if in.table != nil {
		b.WriteString("\n")
	}
	in.table = saved
	return b.String()
}

// formatOne renders one value, continuing the current table if it fits.
func (in *interp) formatOne(v any, live bool) string {
	var b strings.Builder
	closeTable := func() {
		if in.table != nil {
			in.table = nil
			b.WriteString("\n")
		}
	}
	switch x := v.(type) {
	case nil:
		return ""
	case *object:
		switch x.kind {
		case "file":
			dir, _ := x.get("PSParentPath")
			if in.table == nil || in.table.kind != "file" || in.table.dir != toStr(dir) {
				closeTable()
				in.table = &tableState{kind: "file", dir: toStr(dir)}
				fmt.Fprintf(&b, "\n\n    Directory: %s\n\n\n", toStr(dir))
				b.WriteString("Mode                LastWriteTime         Length Name\n")
				b.WriteString("----                -------------         ------ ----\n")
			}
			mode, _ := x.get("Mode")
			t, _ := x.get("LastWriteTime")
			l, _ := x.get("Length")
			tm := t.(time.Time)
			fmt.Fprintf(&b, "%-6s       %10s %8s %14s %s\n", toStr(mode), tm.Format("1/2/2006"), tm.Format("3:04 PM"), toStr(l), x.str)
			return b.String()
		case "process", "service", "generic":
			cols := x.props
			if x.kind == "generic" && len(cols) > 4 {
				closeTable()
				b.WriteString(formatList(x))
				return b.String()
			}
			if in.table == nil || in.table.kind != x.kind || strings.Join(in.table.cols, ",") != strings.Join(cols, ",") {
				closeTable()
				in.table = &tableState{kind: x.kind, cols: cols}
				b.WriteString("\n" + tableHeader(x))
			}
			b.WriteString(tableRow(x))
			return b.String()
		case "list":
			closeTable()
			b.WriteString(formatList(x))
			return b.String()
		}
	case *hashtable:
		closeTable()
		b.WriteString("\nName                           Value\n----                           -----\n")
		for _, k := range x.keys {
			fmt.Fprintf(&b, "%-30s %s\n", k, toStr(x.get(k)))
		}
		b.WriteString("\n\n")
		return b.String()
	case time.Time:
		closeTable()
		return "\n" + x.Format("Monday, January 2, 2006 3:04:05 PM") + "\n\n\n"
	}
	closeTable()
	return toStr(v) + "\n"
}

// column widths of the process, service and generic views.
func colWidth(o *object, col string) int {
	switch o.kind {
	case "process":
		return map[string]int{"Handles": 7, "NPM(K)": 7, "PM(K)": 8, "WS(K)": 10, "CPU(s)": 10, "Id": 6, "SI": 3, "ProcessName": 0}[col]
	case "service":
		return map[string]int{"Status": -8, "Name": -18, "DisplayName": 0}[col]
	}
	w := len(col)
	if v, ok := o.get(col); ok && len(toStr(v)) > w {
		w = len(toStr(v))
	}
	if w < 12 {
		w = 12
	}
	return -w
}

func pad(s string, w int) string {
	if w == 0 {
		return s
	}
	if w < 0 {
		return fmt.Sprintf("%-*s", -w, s)
	}
	return fmt.Sprintf("%*s", w, s)
}

func tableHeader(o *object) string {
	var h, u []string
	for _, c := range o.props {
		w := colWidth(o, c)
		h = append(h, pad(c, w))
		u = append(u, pad(strings.Repeat("-", len(c)), w))
	}
	return strings.TrimRight(strings.Join(h, " "), " ") + "\n" + strings.TrimRight(strings.Join(u, " "), " ") + "\n"
}

func tableRow(o *object) string {
	var r []string
	for _, c := range o.props {
		v, _ := o.get(c)
		s := toStr(v)
		if f, ok := v.(float64); ok {
			s = fmt.Sprintf("%.2f", f)
		}
		r = append(r, pad(s, colWidth(o, c)))
	}
	return strings.TrimRight(strings.Join(r, " "), " ") + "\n"
}

func formatList(v any) string {
	o, ok := v.(*object)
	if !ok {
		return toStr(v) + "\n"
	}
	w := 0
	for _, p := range o.props {
		w = max(w, len(p))
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, p := range o.props {
		val, _ := o.get(p)
		fmt.Fprintf(&b, "%-*s : %s\n", w, p, toStr(val))
	}
	b.WriteString("\n\n")
	return b.String()
}

func psVersionTable() *hashtable {
	h := newHash()
	for _, kv := range [][2]string{{"PSVersion", "5.1.17763.6189"}, {"PSEdition", "Desktop"},
		{"PSCompatibleVersions", "{1.0, 2.0, 3.0, 4.0...}"}, {"BuildVersion", "10.0.17763.6189"},
		{"CLRVersion", "4.0.30319.42000"}, {"WSManStackVersion", "3.0"}, {"PSRemotingProtocolVersion", "2.3"},
		{"SerializationVersion", "1.1.0.1"}} {
		h.set(kv[0], kv[1])
	}
	return h
}
