package pwsh

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

func scriptArg(a *cmdArgs, names ...string) (*scriptBlock, bool) {
	v, ok := a.arg(0, names...)
	sb, isSB := v.(*scriptBlock)
	return sb, ok && isSB
}

func cmdForEach(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	sb, ok := scriptArg(a, "process")
	if !ok {
		// ForEach-Object Name: member access
		name, _ := a.arg(0, "membername")
		return each(func(v any) error { return emitAll(getMember(v, toStr(name), false), out) }), nil
	}
	return each(func(v any) error {
		if err := in.checkStop(); err != nil {
			return err
		}
		return in.invoke(sb, v, out)
	}), nil
}

func cmdWhere(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	sb, ok := scriptArg(a, "filterscript")
	if !ok {
		// Where-Object Prop -eq Value (simplified syntax)
		prop, _ := a.arg(0, "property")
		val, _ := a.arg(1, "value")
		op := "-eq"
		for k, v := range a.named {
			if cmpOps["-"+k] {
				op, val = "-"+k, v
			}
		}
		return each(func(v any) error {
			ok, _ := compare(op, getMember(v, toStr(prop), false), val)
			if ok {
				return out(v)
			}
			return nil
		}), nil
	}
	return each(func(v any) error {
		r, err := in.collectInvoke(sb, v)
		if err != nil {
			return err
		}
		if toBool(r) {
			return out(v)
		}
		return nil
	}), nil
}

func (in *interp) collectInvoke(sb *scriptBlock, v any) (any, error) {
	var vals []any
	err := in.invoke(sb, v, func(x any) error { vals = append(vals, x); return nil })
	return unwrap(vals), err
}

func cmdSelect(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	props := flatten(firstOf(a.arg(0, "property")))
	pick := func(v any) any {
		if len(props) == 0 {
			return v
		}
		if s, ok := a.get("expandproperty"); ok {
			return getMember(v, toStr(s), false)
		}
		var kv []any
		for _, p := range props {
			kv = append(kv, toStr(p), getMember(v, toStr(p), false))
		}
		return newObject("generic", "", kv...)
	}
	if s, ok := a.get("expandproperty"); ok {
		props = []any{s}
	}
	if v, ok := a.get("first"); ok {
		n, _ := toInt(v)
		seen := int64(0)
		return each(func(v any) error {
			if seen >= n {
				return errPipeDone
			}
			seen++
			if err := out(pick(v)); err != nil {
				return err
			}
			if seen >= n {
				return errPipeDone
			}
			return nil
		}), nil
	}
	if v, ok := a.get("last"); ok {
		n, _ := toInt(v)
		return gather(func(items []any) error {
			if int64(len(items)) > n {
				items = items[int64(len(items))-n:]
			}
			for _, it := range items {
				if err := out(pick(it)); err != nil {
					return err
				}
			}
			return nil
		}), nil
	}
	return each(func(v any) error { return out(pick(v)) }), nil
}

func firstOf(v any, _ bool) any { return v }

func cmdSort(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	prop, _ := a.arg(0, "property")
	desc := a.flag("descending")
	return gather(func(items []any) error {
		key := func(v any) any {
			if prop != nil {
				return getMember(v, toStr(prop), false)
			}
			return v
		}
		sort.SliceStable(items, func(i, j int) bool {
			lt, _ := compare("-lt", key(items[i]), key(items[j]))
			gt, _ := compare("-gt", key(items[i]), key(items[j]))
			if desc {
				return gt
			}
			return lt
		})
		return emitAll(items, out)
	}), nil
}

func cmdMeasure(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	prop, _ := a.arg(0, "property")
	return gather(func(items []any) error {
		var sum float64
		var mx, mn any
		for _, it := range items {
			v := it
			if prop != nil {
				v = getMember(it, toStr(prop), false)
			}
			n, _ := toNum(v)
			f := asFloat(n)
			sum += f
			if mx == nil || f > asFloat(mx) {
				mx = f
			}
			if mn == nil || f < asFloat(mn) {
				mn = f
			}
		}
		kv := []any{"Count", int64(len(items))}
		if a.flag("sum") {
			kv = append(kv, "Sum", sum)
		}
		if a.flag("average") && len(items) > 0 {
			kv = append(kv, "Average", sum/float64(len(items)))
		}
		if a.flag("maximum") {
			kv = append(kv, "Maximum", mx)
		}
		if a.flag("minimum") {
			kv = append(kv, "Minimum", mn)
		}
		return out(newObject("list", "Microsoft.PowerShell.Commands.GenericMeasureInfo", kv...))
	}), nil
}

func cmdOutString(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return gather(func(items []any) error {
		text := in.formatAll(items)
		if a.flag("stream") {
			for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				if err := out(l); err != nil {
					return err
				}
			}
			return nil
		}
		return out(text)
	}), nil
}

func cmdOutHost(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return each(func(v any) error { return in.displayFn(v) }), nil
}

func cmdFormatList(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return each(func(v any) error {
		in.endTable()
		in.p.emit("stdout", formatList(v))
		return nil
	}), nil
}

func cmdGetDate(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		t := time.Now()
		if f, ok := a.get("format", "uformat"); ok {
			return out(dotnetFormat(t, toStr(f)))
		}
		return out(t)
	}), nil
}

// dotnetFormat handles the common .NET custom date format specifiers.
func dotnetFormat(t time.Time, f string) string {
	r := strings.NewReplacer("yyyy", "2006", "yy", "06", "MMMM", "January", "MMM", "Jan", "MM", "01",
		"dddd", "Monday", "ddd", "Mon", "dd", "02", "HH", "15", "hh", "03", "mm", "04", "ss", "05", "tt", "PM", "fff", ".000")
	switch f {
	case "o":
		return t.Format("2006-01-02T15:04:05.0000000-07:00")
	case "s":
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format(r.Replace(f))
}

func cmdGetVariable(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		name, ok := a.arg(0, "name")
		if ok {
			v, found := in.getVar(toStr(name))
			if !found {
				return &psError{msg: "Cannot find a variable with the name '" + toStr(name) + "'.", command: "Get-Variable",
					category: "ObjectNotFound: (" + toStr(name) + ":String) [Get-Variable], ItemNotFoundException", id: "VariableNotFound,Microsoft.PowerShell.Commands.GetVariableCommand"}
			}
			return out(newObject("generic", "", "Name", toStr(name), "Value", v))
		}
		keys := make([]string, 0, len(in.vars))
		for k := range in.vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := out(newObject("generic", "", "Name", k, "Value", in.vars[k])); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

func cmdGetCommand(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		names := make([]string, 0)
		for k := range in.cmdlets() {
			if strings.Contains(k, "-") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		pat, _ := a.arg(0, "name")
		for _, n := range names {
			if pat != nil && !wildcard(toStr(pat)).MatchString(n) {
				continue
			}
			if err := out(newObject("generic", n, "CommandType", "Cmdlet", "Name", titleCmd(n), "Version", "3.1.0.0", "Source", "Microsoft.PowerShell.Utility")); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

func titleCmd(n string) string {
	parts := strings.Split(n, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// floodChunk is the size of one flood write (a console host flushes about
// this much per write on a pipe).
const floodChunk = 4096

// cmdFlood writes N bytes of text lines (default 1MB) for throughput tests:
// Get-Flood -Bytes 5MB, or psgate-flood 5242880.
func cmdFlood(in *interp, a *cmdArgs, out emitFn) (stage, error) {
	return source(func() error {
		v, ok := a.arg(0, "bytes")
		n := int64(1 << 20)
		if ok {
			n, _ = toInt(v)
		}
		line := 0
		var buf strings.Builder
		for n > 0 {
			if err := in.checkStop(); err != nil {
				return err
			}
			buf.Reset()
			for buf.Len() < floodChunk && int64(buf.Len()) < n {
				line++
				fmt.Fprintf(&buf, "%08d The quick brown fox jumps over the lazy dog. 0123456789 abcdefghij\n", line)
			}
			s := buf.String()
			if int64(len(s)) > n {
				s = s[:n]
			}
			in.p.emit("stdout", s)
			n -= int64(len(s))
		}
		return nil
	}), nil
}
