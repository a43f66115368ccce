package pwsh

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf16"
)

// expand performs "…" expansion: `escapes, $var, ${var}, $env:X, $(…).
func (in *interp) expand(raw string) (any, error) {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '`' && i+1 < len(raw):
			i++
			b.WriteString(map[byte]string{'n': "\n", 'r': "\r", 't': "\t", '0': "\x00", 'a': "\a", 'e': "\x1b"}[raw[i]])
			if strings.IndexByte("nrt0ae", raw[i]) < 0 {
				b.WriteByte(raw[i])
			}
		case c == '"' && i+1 < len(raw) && raw[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '$' && i+1 < len(raw) && raw[i+1] == '(':
			_, n, err := lexDouble("\"" + raw[i:] + "\"")
			_ = n
			end := matchParen(raw, i+1)
			if err != nil || end < 0 {
				b.WriteString(raw[i:])
				return b.String(), nil
			}
			sb, perr := parse(raw[i+2 : end])
			if perr != nil {
				return nil, &psError{msg: perr.Error(), category: "ParserError: (:) [], ParentContainsErrorRecordException", id: "ParseException", terminating: true}
			}
			v, err := in.collect(sb)
			if err != nil {
				return nil, err
			}
			b.WriteString(toStr(v))
			i = end
		case c == '$' && i+1 < len(raw) && (isIdent(raw[i+1]) || raw[i+1] == '{' || raw[i+1] == '?'):
			j := i + 1
			var name string
			if raw[j] == '{' {
				k := strings.IndexByte(raw[j:], '}')
				if k < 0 {
					b.WriteString(raw[i:])
					return b.String(), nil
				}
				name, j = raw[j+1:j+k], j+k+1
			} else if raw[j] == '?' {
				name, j = "?", j+1
			} else {
				for j < len(raw) && (isIdent(raw[j]) || raw[j] == ':' && j+1 < len(raw) && isIdent(raw[j+1]) && strings.EqualFold(raw[i+1:j], "env")) {
					j++
				}
				name = raw[i+1 : j]
			}
			v, _ := in.getVar(name)
			if o, ok := v.(*object); ok && strings.EqualFold(name, "pwd") {
				v = o.str
			}
			b.WriteString(toStr(v))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// matchParen returns the index of the ')' matching the '(' at open.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '\'':
			if k := strings.IndexByte(s[i+1:], '\''); k >= 0 {
				i += k + 1
			}
		}
	}
	return -1
}

func getMember(obj any, name string, static bool) any {
	ln := strings.ToLower(name)
	if static {
		if t, ok := obj.(typeRef); ok {
			return staticMember(t, ln)
		}
		return nil
	}
	switch o := obj.(type) {
	case string:
		if ln == "length" {
			return int64(len([]rune(o)))
		}
	case []any:
		if ln == "length" || ln == "count" {
			return int64(len(o))
		}
		var out []any
		for _, e := range o {
			if v := getMember(e, name, false); v != nil {
				out = append(out, v)
			}
		}
		return unwrap(out)
	case *hashtable:
		if ln == "count" {
			return int64(len(o.keys))
		}
		if ln == "keys" {
			var ks []any
			for _, k := range o.keys {
				ks = append(ks, k)
			}
			return ks
		}
		return o.get(name)
	case *object:
		v, _ := o.get(name)
		return v
	case encodingVal:
		return encodingMember(o, ln)
	case time.Time:
		switch ln {
		case "year":
			return int64(o.Year())
		case "month":
			return int64(o.Month())
		case "day":
			return int64(o.Day())
		case "hour":
			return int64(o.Hour())
		case "minute":
			return int64(o.Minute())
		case "second":
			return int64(o.Second())
		case "dayofweek":
			return o.Weekday().String()
		}
	case nil:
		return nil
	}
	if ln == "count" || ln == "length" {
		return int64(1)
	}
	return nil
}

func staticMember(t typeRef, ln string) any {
	tn := strings.ToLower(strings.TrimPrefix(strings.ToLower(t.name), "system."))
	switch tn + "::" + ln {
	case "text.encoding::utf8":
		return encodingVal{"UTF8Encoding"}
	case "text.encoding::unicode":
		return encodingVal{"UnicodeEncoding"}
	case "text.encoding::ascii":
		return encodingVal{"ASCIIEncoding"}
	case "text.encoding::default":
		return encodingVal{"SBCSCodePageEncoding"}
	case "datetime::now":
		return time.Now()
	case "datetime::utcnow":
		return time.Now().UTC()
	case "math::pi":
		return math.Pi
	case "environment::newline":
		return "\r\n"
	case "int32::maxvalue", "int::maxvalue":
		return int64(math.MaxInt32)
	case "console::outputencoding", "console::inputencoding":
		return encodingVal{"UTF8Encoding"}
	}
	return nil
}

func (in *interp) call(c *call) (any, error) {
	var args []any
	for _, a := range c.args {
		v, err := in.eval(a)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if tl, ok := c.fn.obj.(*typeLit); ok && c.fn.name == "cast" {
		return cast(tl.name, args[0])
	}
	obj, err := in.eval(c.fn.obj)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(c.fn.name)
	if c.fn.stat {
		if t, ok := obj.(typeRef); ok {
			return in.staticCall(t, name, args)
		}
	}
	return in.method(obj, name, args)
}

func methodMissing(obj any, name string) error {
	return &psError{msg: fmt.Sprintf("Method invocation failed because [System.%s] does not contain a method named '%s'.", typeName(obj), name),
		category: "InvalidOperation: (:) [], RuntimeException", id: "MethodNotFound", terminating: true}
}

func argStr(args []any, i int) string {
	if i < len(args) {
		return toStr(args[i])
	}
	return ""
}

func (in *interp) staticCall(t typeRef, name string, args []any) (any, error) {
	tn := strings.ToLower(strings.TrimPrefix(strings.ToLower(t.name), "system."))
	switch tn + "::" + name {
	case "convert::frombase64string":
		b, err := base64.StdEncoding.DecodeString(argStr(args, 0))
		if err != nil {
			return nil, &psError{msg: `Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "`,
				category: "NotSpecified: (:) [], MethodInvocationException", id: "FormatException", terminating: true}
		}
		return bytesVal(b), nil
	case "convert::tobase64string":
		return base64.StdEncoding.EncodeToString(toBytes(args)), nil
	case "math::round":
		n, _ := toNum(firstArg(args))
		return math.Round(asFloat(n)), nil
	case "math::sqrt":
		n, _ := toNum(firstArg(args))
		return math.Sqrt(asFloat(n)), nil
	case "guid::newguid":
		var b [16]byte
		_, _ = rand.Read(b[:])
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
	case "environment::getenvironmentvariable":
		v, _ := in.env(argStr(args, 0))
		return v, nil
	}
	return nil, &psError{msg: fmt.Sprintf("Method invocation failed because [%s] does not contain a method named '%s'.", t.name, name),
		category: "InvalidOperation: (:) [], RuntimeException", id: "MethodNotFound", terminating: true}
}

func firstArg(args []any) any {
	if len(args) > 0 {
		return args[0]
	}
	return nil
}

// bytesVal is a byte[] as an array of ints.
func bytesVal(b []byte) []any {
	out := make([]any, len(b))
	for i, c := range b {
		out[i] = int64(c)
	}
	return out
}

func toBytes(args []any) []byte {
	var b []byte
	for _, e := range flatten(firstArg(args)) {
		n, _ := toInt(e)
		b = append(b, byte(n))
	}
	return b
}

func (in *interp) method(obj any, name string, args []any) (any, error) {
	if e, ok := obj.(encodingVal); ok {
		switch name {
		case "getstring":
			b := toBytes(args)
			if e.name == "UnicodeEncoding" {
				u := make([]uint16, len(b)/2)
				for i := range u {
					u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
				}
				return string(utf16.Decode(u)), nil
			}
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		case "getbytes":
			return bytesVal([]byte(argStr(args, 0))), nil
		}
	}
	if s, ok := obj.(string); ok {
		switch name {
		case "toupper":
			return strings.ToUpper(s), nil
		case "tolower":
			return strings.ToLower(s), nil
		case "trim":
			return strings.TrimSpace(s), nil
		case "contains":
			return strings.Contains(s, argStr(args, 0)), nil
		case "startswith":
			return strings.HasPrefix(s, argStr(args, 0)), nil
		case "endswith":
			return strings.HasSuffix(s, argStr(args, 0)), nil
		case "replace":
			return strings.ReplaceAll(s, argStr(args, 0), argStr(args, 1)), nil
		case "split":
			var out []any
			for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(argStr(args, 0), r) }) {
				out = append(out, p)
			}
			return out, nil
		case "substring":
			a, _ := toInt(firstArg(args))
			r := []rune(s)
			if a < 0 || a > int64(len(r)) {
				return nil, &psError{msg: `Exception calling "Substring" with "1" argument(s): "startIndex cannot be larger than length of string."`, category: "NotSpecified: (:) [], MethodInvocationException", id: "ArgumentOutOfRangeException", terminating: true}
			}
			if len(args) > 1 {
				n, _ := toInt(args[1])
				if n >= 0 && a+n <= int64(len(r)) {
					return string(r[a : a+n]), nil
				}
			}
			return string(r[a:]), nil
		}
	}
	if name == "tostring" {
		return toStr(obj), nil
	}
	if t, ok := obj.(time.Time); ok {
		switch name {
		case "adddays":
			n, _ := toNum(firstArg(args))
			return t.Add(time.Duration(asFloat(n) * 24 * float64(time.Hour))), nil
		case "tostring":
			return t.Format("1/2/2006 3:04:05 PM"), nil
		}
	}
	if sb, ok := obj.(*scriptBlock); ok && name == "invoke" {
		return in.collect(sb.b)
	}
	return nil, methodMissing(obj, name)
}

func cast(name string, v any) (any, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "system.")) {
	case "int", "int32", "int64", "long":
		n, ok := toInt(v)
		if !ok {
			return nil, &psError{msg: fmt.Sprintf("Cannot convert value \"%s\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"", toStr(v)), category: "InvalidArgument: (:) [], RuntimeException", id: "InvalidCastFromStringToInteger", terminating: true}
		}
		return n, nil
	case "string":
		return toStr(v), nil
	case "bool":
		return toBool(v), nil
	case "double":
		n, _ := toNum(v)
		return asFloat(n), nil
	case "array", "object[]":
		return append([]any{}, flatten(v)...), nil
	case "char":
		n, _ := toInt(v)
		return string(rune(n)), nil
	}
	return v, nil
}
