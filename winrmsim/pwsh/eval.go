package pwsh

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

func (in *interp) eval(n node) (any, error) {
	switch x := n.(type) {
	case *numLit:
		return x.v, nil
	case *strLit:
		return x.s, nil
	case *xstrLit:
		return in.expand(x.raw)
	case *varRef:
		v, _ := in.getVar(x.name)
		return v, nil
	case *subExpr:
		return in.collect(x.b)
	case *arrayExp:
		v, err := in.collect(x.b)
		if err != nil {
			return nil, err
		}
		return append([]any{}, flatten(v)...), nil
	case *listLit:
		var out []any
		for _, it := range x.items {
			v, err := in.eval(it)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *hashLit:
		h := newHash()
		for i, k := range x.keys {
			v, err := in.evalStmtValue(x.vals[i])
			if err != nil {
				return nil, err
			}
			h.set(k, v)
		}
		return h, nil
	case *scriptLit:
		return &scriptBlock{x.b}, nil
	case *typeLit:
		return typeRef{x.name}, nil
	case *member:
		obj, err := in.eval(x.obj)
		if err != nil {
			return nil, err
		}
		return getMember(obj, x.name, x.stat), nil
	case *call:
		return in.call(x)
	case *index:
		return in.index(x)
	case *unOp:
		v, err := in.eval(x.x)
		if err != nil {
			return nil, err
		}
		return unary(x.op, v)
	case *binOp:
		l, err := in.eval(x.l)
		if err != nil {
			return nil, err
		}
		if x.op == "-and" && !toBool(l) {
			return false, nil
		}
		if x.op == "-or" && toBool(l) {
			return true, nil
		}
		r, err := in.eval(x.r)
		if err != nil {
			return nil, err
		}
		return binary(x.op, l, r)
	case *pipeline:
		return in.evalPipeValue(x)
	case *assign:
		return nil, in.assign(x)
	}
	return in.evalStmtValue(n)
}

func (in *interp) evalStmtValue(n node) (any, error) {
	return in.collect(&block{stmts: []node{n}})
}

func (in *interp) index(x *index) (any, error) {
	obj, err := in.eval(x.obj)
	if err != nil {
		return nil, err
	}
	k, err := in.eval(x.idx)
	if err != nil {
		return nil, err
	}
	switch o := obj.(type) {
	case *hashtable:
		return o.get(toStr(k)), nil
	case string:
		i, _ := toInt(k)
		r := []rune(o)
		if i < 0 {
			i += int64(len(r))
		}
		if i >= 0 && i < int64(len(r)) {
			return string(r[i]), nil
		}
		return nil, nil
	case []any:
		var res []any
		for _, kk := range flatten(k) {
			i, _ := toInt(kk)
			if i < 0 {
				i += int64(len(o))
			}
			if i >= 0 && i < int64(len(o)) {
				res = append(res, o[i])
			}
		}
		return unwrap(res), nil
	}
	return nil, nil
}

func unary(op string, v any) (any, error) {
	switch op {
	case "!", "-not":
		return !toBool(v), nil
	case "-join":
		return toStrJoin(v, ""), nil
	case "+":
		return v, nil
	}
	return binary("-", int64(0), v)
}

func toStrJoin(v any, sep string) string {
	var parts []string
	for _, e := range flatten(v) {
		parts = append(parts, toStr(e))
	}
	return strings.Join(parts, sep)
}

func opError(op string, l, r any) error {
	return &psError{msg: fmt.Sprintf("Method invocation failed because [System.%s] does not contain a method named 'op_%s'.", typeName(l), opName(op)),
		category: "InvalidOperation: (op_" + opName(op) + ":String) [], RuntimeException", id: "MethodNotFound", terminating: true}
}

func opName(op string) string {
	return map[string]string{"+": "Addition", "-": "Subtraction", "*": "Multiply", "/": "Division", "%": "Modulus"}[op]
}

const maxRange = 1 << 20

func binary(op string, l, r any) (any, error) {
	switch op {
	case "+":
		switch lv := l.(type) {
		case string:
			return lv + toStr(r), nil
		case []any:
			return append(append([]any{}, lv...), flatten(r)...), nil
		case *hashtable:
			h := newHash()
			for _, k := range lv.keys {
				h.set(k, lv.get(k))
			}
			if rh, ok := r.(*hashtable); ok {
				for _, k := range rh.keys {
					h.set(k, rh.get(k))
				}
			}
			return h, nil
		}
		return arith(op, l, r)
	case "-", "/", "%":
		return arith(op, l, r)
	case "*":
		if s, ok := l.(string); ok {
			n, _ := toInt(r)
			if n < 0 || n*int64(len(s)) > 64<<20 {
				return nil, &psError{msg: "Array dimensions exceeded supported range.", category: "OperationStopped: (:) [], ArgumentOutOfRangeException", id: "System.ArgumentOutOfRangeException", terminating: true}
			}
			return strings.Repeat(s, int(n)), nil
		}
		return arith(op, l, r)
	case "..":
		a, _ := toInt(l)
		b, _ := toInt(r)
		if a-b > maxRange || b-a > maxRange {
			return nil, &psError{msg: "The range is too large.", category: "OperationStopped: (:) [], RuntimeException", id: "RangeTooLarge", terminating: true}
		}
		var out []any
		for i := a; ; {
			out = append(out, i)
			if i == b {
				break
			}
			if a < b {
				i++
			} else {
				i--
			}
		}
		return out, nil
	case "-f":
		return formatOp(toStr(l), flatten(r)), nil
	case "-join":
		return toStrJoin(l, toStr(r)), nil
	case "-split":
		re, err := regexp.Compile("(?i)" + toStr(r))
		if err != nil {
			return nil, err
		}
		var out []any
		for _, s := range re.Split(toStr(l), -1) {
			out = append(out, s)
		}
		return out, nil
	case "-replace":
		rr := flatten(r)
		pat, rep := "", ""
		if len(rr) > 0 {
			pat = toStr(rr[0])
		}
		if len(rr) > 1 {
			rep = toStr(rr[1])
		}
		re, err := regexp.Compile("(?i)" + pat)
		if err != nil {
			return nil, err
		}
		return re.ReplaceAllString(toStr(l), rep), nil
	case "-and":
		return toBool(r), nil
	case "-or":
		return toBool(r), nil
	case "-xor":
		return toBool(l) != toBool(r), nil
	case "-contains", "-notcontains", "-in", "-notin":
		coll, item := l, r
		if op == "-in" || op == "-notin" {
			coll, item = r, l
		}
		found := false
		for _, e := range flatten(coll) {
			if equal(e, item) {
				found = true
			}
		}
		return found == (op == "-contains" || op == "-in"), nil
	}
	if arr, ok := l.([]any); ok { // comparison operators filter arrays
		var out []any
		for _, e := range arr {
			if v, err := compare(op, e, r); err == nil && v {
				out = append(out, e)
			}
		}
		return out, nil
	}
	v, err := compare(op, l, r)
	return v, err
}

func arith(op string, l, r any) (any, error) {
	ln, ok1 := toNum(l)
	rn, ok2 := toNum(r)
	if !ok1 || !ok2 {
		if !ok1 {
			return nil, opError(op, l, r)
		}
		return nil, &psError{msg: fmt.Sprintf("Cannot convert value \"%s\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"", toStr(r)),
			category: "InvalidArgument: (:) [], RuntimeException", id: "InvalidCastFromStringToInteger", terminating: true}
	}
	li, lInt := ln.(int64)
	ri, rInt := rn.(int64)
	if lInt && rInt {
		switch op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		case "%":
			if ri == 0 {
				return nil, divZero()
			}
			return li % ri, nil
		case "/":
			if ri == 0 {
				return nil, divZero()
			}
			if li%ri == 0 {
				return li / ri, nil
			}
		}
	}
	lf, rf := asFloat(ln), asFloat(rn)
	switch op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "%":
		if rf == 0 {
			return nil, divZero()
		}
		return math.Mod(lf, rf), nil
	}
	if rf == 0 {
		return nil, divZero()
	}
	return lf / rf, nil
}

func divZero() error {
	return &psError{msg: "Attempted to divide by zero.", category: "NotSpecified: (:) [], RuntimeException", id: "RuntimeException", terminating: true}
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func equal(a, b any) bool {
	v, err := compare("-eq", a, b)
	return err == nil && v
}

func compare(op string, l, r any) (bool, error) {
	op = strings.Replace(strings.Replace(op, "-i", "-", 1), "-c", "-", 1)
	switch op {
	case "-like", "-notlike":
		m := wildcard(toStr(r)).MatchString(toStr(l))
		return m == (op == "-like"), nil
	case "-match", "-notmatch":
		re, err := regexp.Compile("(?i)" + toStr(r))
		if err != nil {
			return false, &psError{msg: "Invalid regular expression pattern: " + toStr(r), category: "InvalidOperation: (:) [], RuntimeException", id: "InvalidRegularExpression", terminating: true}
		}
		return re.MatchString(toStr(l)) == (op == "-match"), nil
	}
	c := 0
	ln, lok := l.(int64)
	lf, lfok := l.(float64)
	if rn, ok := toNum(r); (lok || lfok) && ok {
		if lok {
			lf = float64(ln)
		}
		rf := asFloat(rn)
		switch {
		case lf < rf:
			c = -1
		case lf > rf:
			c = 1
		}
	} else if l == nil || r == nil {
		if l != nil || r != nil {
			c = 1
		}
	} else {
		c = strings.Compare(strings.ToLower(toStr(l)), strings.ToLower(toStr(r)))
	}
	switch op {
	case "-eq":
		return c == 0, nil
	case "-ne":
		return c != 0, nil
	case "-gt":
		return c > 0, nil
	case "-lt":
		return c < 0, nil
	case "-ge":
		return c >= 0, nil
	case "-le":
		return c <= 0, nil
	}
	return false, &psError{msg: "Unexpected token '" + op + "' in expression or statement.", category: "ParserError: (:) [], ParentContainsErrorRecordException", id: "UnexpectedToken", terminating: true}
}

// wildcard compiles a PowerShell wildcard pattern.
func wildcard(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

var fmtItem = regexp.MustCompile(`\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}`)

func formatOp(f string, args []any) string {
	return fmtItem.ReplaceAllStringFunc(f, func(m string) string {
		sm := fmtItem.FindStringSubmatch(m)
		var i int
		fmt.Sscan(sm[1], &i)
		if i >= len(args) {
			return m
		}
		s := toStr(args[i])
		if sm[3] != "" {
			if n, ok := toNum(args[i]); ok && strings.HasPrefix(strings.ToUpper(sm[3]), "N") {
				prec := 2
				fmt.Sscan(sm[3][1:], &prec)
				s = fmt.Sprintf("%.*f", prec, asFloat(n))
			}
		}
		if sm[2] != "" {
			var w int
			fmt.Sscan(sm[2], &w)
			if w < 0 {
				s = fmt.Sprintf("%-*s", -w, s)
			} else {
				s = fmt.Sprintf("%*s", w, s)
			}
		}
		return s
	})
}
