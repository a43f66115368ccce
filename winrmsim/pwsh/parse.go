package pwsh

import (
	"fmt"
	"strings"
)

// AST nodes.
type (
	node interface{}

	// block is a statement list (a script or a script block body).
	block struct{ stmts []node }

	pipeline struct{ cmds []node } // each is *command or an expression node

	command struct {
		name string
		args []node // *paramArg or expression
		call node   // for "& expr"
	}
	paramArg struct{ name string } // "-Name" (value follows as the next arg)

	assign struct {
		target node // *varRef, *member or *index
		op     string
		value  node
	}
	ifStmt struct {
		conds  []node
		blocks []*block
		els    *block
	}
	foreachStmt struct {
		v    string
		in   node
		body *block
	}
	exitStmt  struct{ value node }
	throwStmt struct{ value node }

	numLit   struct{ v any }
	strLit   struct{ s string }
	xstrLit  struct{ raw string }
	varRef   struct{ name string }
	subExpr  struct{ b *block }
	arrayExp struct{ b *block }
	hashLit  struct {
		keys []string
		vals []node
	}
	scriptLit struct{ b *block }
	typeLit   struct{ name string }
	member    struct {
		obj  node
		name string
		stat bool
	}
	call struct {
		fn   *member
		args []node
	}
	index struct{ obj, idx node }
	binOp struct {
		op   string
		l, r node
	}
	unOp struct {
		op string
		x  node
	}
	listLit struct{ items []node }
)

type parser struct {
	toks  []token
	pos   int
	depth int
}

type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

const maxDepth = 200

func parse(src string) (b *block, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			b, err = nil, se
		}
	}()
	b = p.block("")
	if p.pos < len(p.toks) {
		p.fail("Unexpected token '%s' in expression or statement.", p.toks[p.pos].text)
	}
	return b, nil
}

func (p *parser) fail(f string, a ...any) { panic(&syntaxError{fmt.Sprintf(f, a...)}) }

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tEOF}
}

func (p *parser) next() token { t := p.peek(); p.pos++; return t }

func (p *parser) isOp(s string) bool { t := p.peek(); return t.kind == tOp && t.text == s }

func (p *parser) expect(s string) {
	if !p.isOp(s) {
		p.fail("Missing '%s'.", s)
	}
	p.pos++
}

func (p *parser) skipNL() {
	for p.peek().kind == tNL {
		p.pos++
	}
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("The script is nested too deeply.")
	}
}

// block parses statements until the closing token end ("" = EOF).
func (p *parser) block(end string) *block {
	p.enter()
	defer func() { p.depth-- }()
	b := &block{}
	for {
		p.skipNL()
		t := p.peek()
		if t.kind == tEOF || end != "" && t.kind == tOp && t.text == end {
			return b
		}
		b.stmts = append(b.stmts, p.statement())
		t = p.peek()
		if t.kind != tNL && t.kind != tEOF && !(end != "" && t.kind == tOp && t.text == end) {
			p.fail("Unexpected token '%s' in expression or statement.", t.text)
		}
	}
}

func (p *parser) braceBlock() *block {
	p.skipNL()
	p.expect("{")
	b := p.block("}")
	p.expect("}")
	return b
}

func (p *parser) statement() node {
	t := p.peek()
	if t.kind == tWord {
		switch strings.ToLower(t.text) {
		case "if":
			return p.ifStatement()
		case "foreach":
			return p.foreachStatement()
		case "exit":
			p.pos++
			if k := p.peek().kind; k == tNL || k == tEOF || p.isOp("}") {
				return &exitStmt{}
			}
			return &exitStmt{value: p.expr()}
		case "throw":
			p.pos++
			if k := p.peek().kind; k == tNL || k == tEOF || p.isOp("}") {
				return &throwStmt{}
			}
			return &throwStmt{value: p.expr()}
		}
	}
	if t.kind == tVar {
		save := p.pos
		target := p.postfix(p.primary())
		if nt := p.peek(); nt.kind == tOp && (nt.text == "=" || nt.text == "+=" || nt.text == "-=") {
			p.pos++
			p.skipNL()
			return &assign{target: target, op: nt.text, value: p.pipeline()}
		}
		p.pos = save
	}
	if t.kind == tOp && t.text == "[" {
		save := p.pos
		target := p.postfix(p.primary())
		if nt := p.peek(); nt.kind == tOp && nt.text == "=" {
			p.pos++
			return &assign{target: target, op: "=", value: p.pipeline()}
		}
		p.pos = save
	}
	return p.pipeline()
}

func (p *parser) ifStatement() node {
	s := &ifStmt{}
	p.pos++
	for {
		p.expect("(")
		p.skipNL()
		s.conds = append(s.conds, p.pipeline())
		p.skipNL()
		p.expect(")")
		s.blocks = append(s.blocks, p.braceBlock())
		save := p.pos
		p.skipNL()
		t := p.peek()
		if t.kind == tWord && strings.EqualFold(t.text, "elseif") {
			p.pos++
			continue
		}
		if t.kind == tWord && strings.EqualFold(t.text, "else") {
			p.pos++
			s.els = p.braceBlock()
			return s
		}
		p.pos = save
		return s
	}
}

func (p *parser) foreachStatement() node {
	p.pos++
	p.expect("(")
	v := p.next()
	if v.kind != tVar {
		p.fail("Missing variable name after foreach.")
	}
	if in := p.next(); in.kind != tWord || !strings.EqualFold(in.text, "in") {
		p.fail("Missing 'in' after variable in foreach loop.")
	}
	coll := p.pipeline()
	p.expect(")")
	return &foreachStmt{v: v.text, in: coll, body: p.braceBlock()}
}

func (p *parser) pipeline() node {
	pl := &pipeline{}
	for {
		pl.cmds = append(pl.cmds, p.pipeElement())
		if !p.isOp("|") {
			break
		}
		p.pos++
		p.skipNL()
	}
	return pl
}

func (p *parser) pipeElement() node {
	t := p.peek()
	if t.kind == tOp && (t.text == "&" || t.text == ".") {
		p.pos++
		c := &command{call: p.postfix(p.primaryCmd())}
		c.args = p.cmdArgs()
		return c
	}
	if t.kind == tOp && t.text == "%" {
		t.text = "ForEach-Object"
		t.kind = tWord
	}
	if t.kind == tWord && !strings.HasPrefix(t.text, "[") {
		p.pos++
		c := &command{name: t.text}
		c.args = p.cmdArgs()
		return c
	}
	return p.expr()
}

func (p *parser) primaryCmd() node {
	t := p.peek()
	if t.kind == tWord {
		p.pos++
		return &strLit{t.text}
	}
	return p.primary()
}

func (p *parser) cmdArgs() []node {
	var args []node
	for {
		t := p.peek()
		switch {
		case t.kind == tNL || t.kind == tEOF:
			return args
		case t.kind == tOp && (t.text == "|" || t.text == ")" || t.text == "}" || t.text == "&&" || t.text == "||"):
			return args
		case t.kind == tParam:
			p.pos++
			args = append(args, &paramArg{t.text[1:]})
		case t.kind == tWord:
			p.pos++
			args = append(args, &strLit{t.text})
		case t.kind == tNum:
			p.pos++
			args = append(args, p.postfix(numNode(t.text)))
		case t.kind == tOp && t.text == ",":
			p.pos++
		case t.kind == tOp && strings.Contains("/*+-%!=<>..::.", t.text):
			args = append(args, &strLit{p.bareWord()})
		default:
			args = append(args, p.argExpr())
		}
	}
}

// bareWord joins adjacent tokens (no space between) into one bare
// argument such as /c, .., */x or =3.
func (p *parser) bareWord() string {
	var b strings.Builder
	b.WriteString(p.next().text)
	for {
		t := p.peek()
		if t.space || !(t.kind == tWord || t.kind == tNum || t.kind == tOp && strings.Contains("/*+-%!=<>..::.", t.text)) {
			return b.String()
		}
		b.WriteString(t.text)
		p.pos++
	}
}

// argExpr is an argument in command mode: a primary with postfix, and a
// comma list.
func (p *parser) argExpr() node {
	x := p.postfix(p.primary())
	if p.isOp(",") {
		l := &listLit{items: []node{x}}
		for p.isOp(",") {
			p.pos++
			l.items = append(l.items, p.postfix(p.primary()))
		}
		return l
	}
	return x
}
