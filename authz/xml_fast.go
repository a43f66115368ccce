package authz

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastDecode parses the common shape of AuthorizationRules.xml (declaration,
// comments, <Rules>, <Rule> elements with text-only children, the predefined
// and numeric entities) without encoding/xml. It gives up (ok false) on
// anything else and on every error, leaving those to slowDecode, so it never
// accepts a file slowDecode rejects.
func fastDecode(data []byte) (rules []Rule, ok bool) {
	if !plainXMLChars(data) {
		return nil, false
	}
	s := &scanner{src: string(data)}
	if !s.misc() || !s.lit("<Rules") {
		return nil, false
	}
	s.space()
	if s.lit("/>") {
		return []Rule{}, s.misc() && s.pos == len(s.src)
	}
	if !s.lit(">") {
		return nil, false
	}
	seen := map[int]bool{}
	for {
		if !s.misc() {
			return nil, false
		}
		if s.endTag("Rules") {
			break
		}
		if !s.lit("<Rule>") {
			return nil, false
		}
		r, ok := s.rule()
		if !ok || seen[r.ID] {
			return nil, false
		}
		seen[r.ID] = true
		rules = append(rules, r)
	}
	if !s.misc() || s.pos != len(s.src) {
		return nil, false
	}
	if rules == nil {
		rules = []Rule{}
	}
	return rules, true
}

// plainXMLChars reports valid UTF-8 with only XML characters and no CR (which
// XML line-end handling would rewrite).
func plainXMLChars(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n':
			return false
		case c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF):
			return false // U+FFFE, U+FFFF
		}
	}
	return utf8.Valid(b)
}

type scanner struct {
	src     string
	pos     int
	configs map[string]string // interned configuration names
	arena   strings.Builder   // copies of retained values
}

// arenaChunk is the size of the blocks retained values are copied into.
const arenaChunk = 256 << 10

// keep copies the values a Rule retains out of the source text (so the
// file's text can be freed) into large blocks, and interns the few
// configuration names.
func (s *scanner) keep(k int, v string) string {
	switch k {
	case fName, fUser, fDest:
		if len(v) > arenaChunk/4 {
			return strings.Clone(v)
		}
		if s.arena.Cap()-s.arena.Len() < len(v) {
			s.arena = strings.Builder{} // earlier blocks stay alive through their strings
			s.arena.Grow(arenaChunk)
		}
		start := s.arena.Len()
		s.arena.WriteString(v)
		return s.arena.String()[start:]
	case fConfig:
		if c, ok := s.configs[v]; ok {
			return c
		}
		if s.configs == nil {
			s.configs = map[string]string{}
		}
		c := strings.Clone(v)
		s.configs[c] = c
		return c
	}
	return v
}

func (s *scanner) lit(p string) bool {
	if strings.HasPrefix(s.src[s.pos:], p) {
		s.pos += len(p)
		return true
	}
	return false
}

func (s *scanner) space() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n':
			s.pos++
		default:
			return
		}
	}
}

// misc skips whitespace, comments and processing instructions.
func (s *scanner) misc() bool {
	for {
		s.space()
		switch {
		case s.lit("<!--"):
			end := strings.Index(s.src[s.pos:], "--")
			if end < 0 || !strings.HasPrefix(s.src[s.pos+end:], "-->") {
				return false
			}
			s.pos += end + 3
		case s.lit("<?"):
			end := strings.Index(s.src[s.pos:], "?>")
			if end < 0 || !validPI(s.src[s.pos:s.pos+end]) {
				return false
			}
			s.pos += end + 2
		default:
			return true
		}
	}
}

// validPI accepts the XML declaration and simple targets.
func validPI(body string) bool {
	target, rest, _ := strings.Cut(body, " ")
	if target == "" || strings.EqualFold(target, "xml") && target != "xml" {
		return false
	}
	if target == "xml" {
		return strings.Contains(rest, `version="1.0"`) &&
			(!strings.Contains(rest, "encoding") || strings.Contains(strings.ToLower(rest), `encoding="utf-8"`))
	}
	for _, c := range target {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// endTag consumes "</name>" with optional space before ">".
func (s *scanner) endTag(name string) bool {
	save := s.pos
	if s.lit("</") && s.lit(name) {
		s.space()
		if s.lit(">") {
			return true
		}
	}
	s.pos = save
	return false
}

// rule reads the children of a <Rule> up to </Rule>.
func (s *scanner) rule() (Rule, bool) {
	var f ruleFields
	for {
		if !s.misc() {
			return Rule{}, false
		}
		if s.endTag("Rule") {
			r, err := f.build()
			return r, err == nil
		}
		if !s.lit("<") {
			return Rule{}, false
		}
		n := strings.IndexAny(s.src[s.pos:], " \t\n/>")
		if n <= 0 {
			return Rule{}, false
		}
		k := elemIndex(s.src[s.pos : s.pos+n])
		if k < 0 || f.has[k] {
			return Rule{}, false
		}
		s.pos += n
		s.space()
		if s.lit("/>") {
			f.has[k] = true
			continue
		}
		if !s.lit(">") {
			return Rule{}, false
		}
		end := strings.IndexByte(s.src[s.pos:], '<')
		if end < 0 {
			return Rule{}, false
		}
		v, ok := unescape(s.src[s.pos : s.pos+end])
		if !ok {
			return Rule{}, false
		}
		s.pos += end
		if !s.endTag(elemNames[k]) {
			return Rule{}, false
		}
		f.v[k], f.has[k] = s.keep(k, strings.TrimSpace(v)), true
	}
}

// unescape resolves the predefined and numeric character references.
func unescape(t string) (string, bool) {
	if !strings.Contains(t, "&") {
		return t, !strings.Contains(t, "]]>")
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '&')
		if i < 0 {
			b.WriteString(t)
			return b.String(), true
		}
		b.WriteString(t[:i])
		t = t[i+1:]
		j := strings.IndexByte(t, ';')
		if j <= 0 {
			return "", false
		}
		ref := t[:j]
		t = t[j+1:]
		switch ref {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return "", false
			}
			b.WriteRune(r)
		}
	}
}

// charRef decodes "#NN" or "#xHH" to an XML character other than CR.
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	r := rune(n)
	ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	return r, ok
}
