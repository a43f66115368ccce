package pwsh

import (
	"strconv"
	"strings"
)

var cmpOps = map[string]bool{"-eq": true, "-ne": true, "-gt": true, "-lt": true, "-ge": true, "-le": true,
	"-like": true, "-notlike": true, "-match": true, "-notmatch": true, "-contains": true, "-notcontains": true,
	"-ceq": true, "-ieq": true, "-replace": true, "-split": true, "-join": true, "-in": true, "-notin": true}

func (p *parser) expr() node {
	p.enter()
	defer func() { p.depth-- }()
	l := p.cmpExpr()
	for {
		t := p.peek()
		if t.kind != tParam {
			return l
		}
		op := strings.ToLower(t.text)
		if op != "-and" && op != "-or" && op != "-xor" {
			return l
		}
		p.pos++
		p.skipNL()
		l = &binOp{op, l, p.cmpExpr()}
	}
}

func (p *parser) cmpExpr() node {
	l := p.addExpr()
	for {
		t := p.peek()
		op := strings.ToLower(t.text)
		if t.kind != tParam || !cmpOps[op] {
			return l
		}
		p.pos++
		p.skipNL()
		l = &binOp{op, l, p.addExpr()}
	}
}

func (p *parser) addExpr() node {
	l := p.mulExpr()
	for p.isOp("+") || p.isOp("-") {
		op := p.next().text
		p.skipNL()
		l = &binOp{op, l, p.mulExpr()}
	}
	return l
}

func (p *parser) mulExpr() node {
	l := p.fmtExpr()
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.next().text
		p.skipNL()
		l = &binOp{op, l, p.fmtExpr()}
	}
	return l
}

func (p *parser) fmtExpr() node {
	l := p.rangeExpr()
	for t := p.peek(); t.kind == tParam && strings.EqualFold(t.text, "-f"); t = p.peek() {
		p.pos++
		l = &binOp{"-f", l, p.rangeExpr()}
	}
	return l
}

func (p *parser) rangeExpr() node {
	l := p.unary()
	if p.isOp("..") {
		p.pos++
		l = &binOp{"..", l, p.unary()}
	}
	return l
}

func (p *parser) unary() node {
	p.enter()
	defer func() { p.depth-- }()
	t := p.peek()
	switch {
	case t.kind == tOp && (t.text == "!" || t.text == "-" || t.text == "+"):
		p.pos++
		return &unOp{t.text, p.unary()}
	case t.kind == tParam && (strings.EqualFold(t.text, "-not") || strings.EqualFold(t.text, "-join")):
		p.pos++
		return &unOp{strings.ToLower(t.text), p.unary()}
	case t.kind == tParam && len(t.text) > 1 && t.text[1] >= '0' && t.text[1] <= '9':
		p.pos++
		return &unOp{"-", numNode(t.text[1:])}
	}
	return p.comma()
}

func (p *parser) comma() node {
	x := p.postfix(p.primary())
	if !p.isOp(",") {
		return x
	}
	l := &listLit{items: []node{x}}
	for p.isOp(",") {
		p.pos++
		p.skipNL()
		l.items = append(l.items, p.postfix(p.primary()))
	}
	return l
}

func numNode(s string) node {
	mult := int64(1)
	u := strings.ToUpper(s)
	for suf, m := range map[string]int64{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
		if strings.HasSuffix(u, suf) {
			mult, s = m, s[:len(s)-2]
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return &numLit{n * mult}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return &numLit{f * float64(mult)}
}

func (p *parser) primary() node {
	p.enter()
	defer func() { p.depth-- }()
	t := p.next()
	switch t.kind {
	case tNum:
		return numNode(t.text)
	case tStr:
		return &strLit{t.text}
	case tXStr:
		return &xstrLit{t.text}
	case tVar:
		return &varRef{t.text}
	case tWord:
		return &strLit{t.text}
	case tSubExp:
		b := p.block(")")
		p.expect(")")
		return &subExpr{b}
	case tOp:
		switch t.text {
		case "(":
			p.skipNL()
			x := p.statement()
			p.skipNL()
			p.expect(")")
			return &subExpr{&block{[]node{x}}}
		case "@(":
			b := p.block(")")
			p.expect(")")
			return &arrayExp{b}
		case "@{":
			return p.hash()
		case "{":
			b := p.block("}")
			p.expect("}")
			return &scriptLit{b}
		case "[":
			var name strings.Builder
			for !p.isOp("]") {
				nt := p.next()
				if nt.kind == tEOF {
					p.fail("Missing ']'.")
				}
				name.WriteString(nt.text)
			}
			p.pos++
			tl := &typeLit{name.String()}
			if nt := p.peek(); !p.isOp("::") && !nt.space && (nt.kind == tVar || nt.kind == tNum || nt.kind == tStr || nt.kind == tXStr || nt.kind == tOp && (nt.text == "(" || nt.text == "@(")) {
				return &call{fn: &member{obj: tl, name: "cast"}, args: []node{p.unary()}}
			}
			return tl
		}
	}
	if t.kind == tEOF {
		p.fail("An expression was expected after '('.")
	}
	p.fail("Unexpected token '%s' in expression or statement.", t.text)
	return nil
}

func (p *parser) hash() node {
	h := &hashLit{}
	for {
		p.skipNL()
		if p.isOp("}") {
			p.pos++
			return h
		}
		k := p.next()
		if k.kind == tEOF {
			p.fail("Missing '}' in hash literal.")
		}
		p.expect("=")
		p.skipNL()
		h.keys = append(h.keys, k.text)
		h.vals = append(h.vals, p.statement())
	}
}

func (p *parser) postfix(x node) node {
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.text == "." || t.text == "::") && !t.space:
			p.pos++
			name := p.next()
			m := &member{obj: x, name: name.text, stat: t.text == "::"}
			if p.isOp("(") && !p.peek().space {
				p.pos++
				var args []node
				p.skipNL()
				for !p.isOp(")") {
					if p.peek().kind == tEOF {
						p.fail("Missing ')' in method call.")
					}
					args = append(args, p.rangeExprNoComma())
					p.skipNL()
					if p.isOp(",") {
						p.pos++
						p.skipNL()
					}
				}
				p.pos++
				x = &call{fn: m, args: args}
			} else {
				x = m
			}
		case t.kind == tOp && t.text == "[" && !t.space:
			p.pos++
			i := p.expr()
			p.expect("]")
			x = &index{x, i}
		default:
			return x
		}
	}
}

// rangeExprNoComma is a method argument: commas separate arguments.
func (p *parser) rangeExprNoComma() node {
	l := p.postfix(p.primary())
	for {
		t := p.peek()
		if t.kind == tOp && strings.Contains("+-*/", t.text) && len(t.text) == 1 {
			p.pos++
			l = &binOp{t.text, l, p.postfix(p.primary())}
			continue
		}
		if t.kind == tParam && cmpOps[strings.ToLower(t.text)] {
			p.pos++
			l = &binOp{strings.ToLower(t.text), l, p.postfix(p.primary())}
			continue
		}
		return l
	}
}
