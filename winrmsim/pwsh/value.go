package pwsh

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Runtime values: nil, bool, int64, float64, string, []any, *hashtable,
// *object, time.Time, *scriptBlock, typeRef, encodingVal.
type (
	hashtable struct {
		keys []string
		m    map[string]any // lower-case key
	}
	object struct {
		kind  string // formatting view: "file", "process", "service", "generic"
		props []string
		vals  map[string]any
		str   string // ToString()
	}
	scriptBlock struct{ b *block }
	typeRef     struct{ name string }
	encodingVal struct{ name string }
)

func newHash() *hashtable { return &hashtable{m: map[string]any{}} }

func (h *hashtable) set(k string, v any) {
	lk := strings.ToLower(k)
	if _, ok := h.m[lk]; !ok {
		h.keys = append(h.keys, k)
	}
	h.m[lk] = v
}

func (h *hashtable) get(k string) any { return h.m[strings.ToLower(k)] }

func newObject(kind, str string, kv ...any) *object {
	o := &object{kind: kind, vals: map[string]any{}, str: str}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		o.props = append(o.props, k)
		o.vals[strings.ToLower(k)] = kv[i+1]
	}
	return o
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[strings.ToLower(k)]
	return v, ok
}

// toStr is PowerShell's string conversion.
func toStr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', 15, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toStr(e)
		}
		return strings.Join(parts, " ")
	case *hashtable:
		return "System.Collections.Hashtable"
	case *object:
		return x.str
	case time.Time:
		return x.Format("1/2/2006 3:04:05 PM")
	case *scriptBlock:
		return "<script block>"
	case typeRef:
		return x.name
	case encodingVal:
		return "System.Text." + x.name
	}
	return fmt.Sprint(v)
}

func toBool(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		if len(x) == 1 {
			return toBool(x[0])
		}
		return len(x) > 0
	}
	return true
}

// toNum converts to int64 or float64; ok is false when not numeric.
func toNum(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return int64(0), true
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case int64, float64:
		return x, true
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return int64(0), true
		}
		if n, ok := numNode(s).(*numLit); ok && validNum(s) {
			return n.v, true
		}
	}
	return nil, false
}

func validNum(s string) bool {
	u := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "KB"), "MB"), "GB")
	_, err := strconv.ParseFloat(u, 64)
	return err == nil
}

func toInt(v any) (int64, bool) {
	n, ok := toNum(v)
	if !ok {
		return 0, false
	}
	if f, isF := n.(float64); isF {
		return int64(math.Round(f)), true
	}
	return n.(int64), true
}

// flatten enumerates a value the way the pipeline does.
func flatten(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "String"
	case int64:
		return "Int32"
	case float64:
		return "Double"
	case bool:
		return "Boolean"
	case []any:
		return "Object[]"
	case *hashtable:
		return "Hashtable"
	}
	return "Object"
}
