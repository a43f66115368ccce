package pwsh

import (
	"errors"
	"strings"
)

// token kinds
const (
	tEOF    = iota
	tNum    // number (text, with optional KB/MB/GB suffix)
	tStr    // single-quoted or here-string literal
	tXStr   // double-quoted (expandable)
	tVar    // $name (text without $)
	tWord   // bare word / command name / member name
	tParam  // -Name or -eq (text with -)
	tOp     // punctuation and operators
	tNL     // statement separator: newline or ;
	tSubExp // "$(" opening
)

type token struct {
	kind  int
	text  string
	space bool // whitespace before
}

// errIncomplete marks input that needs more lines (open bracket or string).
var errIncomplete = errors.New("incomplete statement")

const maxTokens = 1 << 16

func isWordDelim(c byte) bool {
	return strings.IndexByte(" \t\r\n;|(){},'\"=]", c) >= 0
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// lex tokenises src. It returns errIncomplete when brackets or strings are
// still open at the end.
func lex(src string) ([]token, error) {
	var toks []token
	depth := 0
	member := false // previous token was '.' or '::'
	i := 0
	for i < len(src) {
		if len(toks) > maxTokens {
			return nil, errors.New("script too long")
		}
		c := src[i]
		space := i > 0 && strings.IndexByte(" \t", src[i-1]) >= 0
		add := func(k int, t string) { toks = append(toks, token{k, t, space}) }
		wasMember := member
		member = false
		switch {
		case c == ' ' || c == '\t':
			i++
			member = wasMember
		case c == '`' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r'):
			i += 2
			if i < len(src) && src[i] == '\n' {
				i++
			}
		case c == '`' && i+1 >= len(src):
			return nil, errIncomplete
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\r':
			i++
		case c == '\n' || c == ';':
			add(tNL, string(c))
			i++
		case c == '\'':
			s, n, err := lexSingle(src[i:])
			if err != nil {
				return nil, err
			}
			add(tStr, s)
			i += n
		case c == '"':
			s, n, err := lexDouble(src[i:])
			if err != nil {
				return nil, err
			}
			add(tXStr, s)
			i += n
		case c == '@' && i+1 < len(src) && (src[i+1] == '\'' || src[i+1] == '"'):
			s, n, err := lexHere(src[i:])
			if err != nil {
				return nil, err
			}
			if src[i+1] == '"' {
				add(tXStr, s)
			} else {
				add(tStr, s)
			}
			i += n
		case c == '@' && i+1 < len(src) && (src[i+1] == '(' || src[i+1] == '{'):
			add(tOp, src[i:i+2])
			depth++
			i += 2
		case c == '$' && i+1 < len(src) && src[i+1] == '(':
			add(tSubExp, "$(")
			depth++
			i += 2
		case c == '$':
			j := i + 1
			if j < len(src) && (src[j] == '?' || src[j] == '_' && (j+1 >= len(src) || !isIdent(src[j+1]))) {
				j++
			} else if j < len(src) && src[j] == '{' {
				k := strings.IndexByte(src[j:], '}')
				if k < 0 {
					return nil, errIncomplete
				}
				add(tVar, src[j+1:j+k])
				i = j + k + 1
				break
			} else {
				for j < len(src) && (isIdent(src[j]) || src[j] == ':' && j+1 < len(src) && isIdent(src[j+1])) {
					j++
				}
			}
			add(tVar, src[i+1:j])
			i = j
		case c >= '0' && c <= '9' && !wasMember:
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9' && !strings.Contains(src[i:j], ".")) {
				j++
			}
			for _, suf := range []string{"KB", "MB", "GB"} {
				if len(src) >= j+2 && strings.EqualFold(src[j:j+2], suf) {
					j += 2
				}
			}
			if j < len(src) && (isIdent(src[j]) || src[j] == '\\' || src[j] == ':') {
				j = lexWordEnd(src, i)
				add(tWord, src[i:j])
			} else {
				add(tNum, src[i:j])
			}
			i = j
		case c == '-' && i+1 < len(src) && (src[i+1] >= 'a' && src[i+1] <= 'z' || src[i+1] >= 'A' && src[i+1] <= 'Z'):
			j := i + 1
			for j < len(src) && (isIdent(src[j]) || src[j] == '-') {
				j++
			}
			add(tParam, src[i:j])
			i = j
		case strings.IndexByte("({[", c) >= 0:
			depth++
			add(tOp, string(c))
			i++
		case strings.IndexByte(")}]", c) >= 0:
			depth--
			add(tOp, string(c))
			i++
		case strings.HasPrefix(src[i:], "::") || strings.HasPrefix(src[i:], ".."):
			add(tOp, src[i:i+2])
			member = src[i] == ':'
			i += 2
		case c == '.' && len(toks) > 0 && !space && (i+1 < len(src) && isIdent(src[i+1])) && prevEndsValue(toks):
			add(tOp, ".")
			member = true
			i++
		case strings.HasPrefix(src[i:], "+=") || strings.HasPrefix(src[i:], "-=") || strings.HasPrefix(src[i:], "++") || strings.HasPrefix(src[i:], "--") || strings.HasPrefix(src[i:], "&&") || strings.HasPrefix(src[i:], "||"):
			add(tOp, src[i:i+2])
			i += 2
		case strings.IndexByte("|,=+-*/%!&<>", c) >= 0:
			add(tOp, string(c))
			i++
		case wasMember:
			j := i
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			if j == i {
				j = i + 1
			}
			add(tWord, src[i:j])
			i = j
		default:
			j := lexWordEnd(src, i)
			add(tWord, src[i:j])
			i = j
		}
	}
	if depth > 0 {
		return nil, errIncomplete
	}
	return toks, nil
}

func prevEndsValue(toks []token) bool {
	t := toks[len(toks)-1]
	return t.kind == tVar || t.kind == tStr || t.kind == tXStr || t.kind == tWord && false || t.kind == tOp && (t.text == ")" || t.text == "]" || t.text == "}") || t.kind == tWord
}

func lexWordEnd(src string, i int) int {
	j := i
	for j < len(src) && !isWordDelim(src[j]) {
		if src[j] == '.' && j+1 < len(src) && src[j+1] == '.' {
			break
		}
		j++
	}
	if j == i {
		j++
	}
	return j
}

func lexSingle(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(s[i])
	}
	return "", 0, errIncomplete
}

// lexDouble returns the raw body (escapes kept, expanded at run time).
func lexDouble(s string) (string, int, error) {
	depth := 0
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '`':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '(':
			depth++
			i++
		case s[i] == ')' && depth > 0:
			depth--
		case s[i] == '"' && depth == 0:
			if i+1 < len(s) && s[i+1] == '"' {
				i++
				continue
			}
			return s[1:i], i + 1, nil
		}
	}
	return "", 0, errIncomplete
}

func lexHere(s string) (string, int, error) {
	q := s[1]
	nl := strings.IndexByte(s, '\n')
	if nl < 0 {
		return "", 0, errIncomplete
	}
	end := "\n" + string(q) + "@"
	k := strings.Index(s[nl:], end)
	if k < 0 {
		return "", 0, errIncomplete
	}
	body := ""
	if k > 0 {
		body = s[nl+1 : nl+k]
	}
	body = strings.TrimSuffix(strings.ReplaceAll(body, "\r\n", "\n"), "\r")
	return body, nl + k + len(end), nil
}
