package authz

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The element names of AuthorizationRules.xml, in the order PSWA writes them.
const (
	elemRules       = "Rules"
	elemRule        = "Rule"
	elemID          = "Id"
	elemName        = "Name"
	elemUser        = "UserCanonicalForm"
	elemUserType    = "UserType"
	elemDest        = "DestinationCanonicalForm"
	elemDestType    = "DestinationType"
	elemConfig      = "ConfigurationName"
	elemUserLocal   = "IsUserGroupLocal"
	elemCompLocal   = "IsComputerGroupLocal"
	elemDestIsSID   = "IsCanonicalDestinationSid"
	fileWarningText = " Edit this file with psgate rule (or the PowerShell Web Access cmdlets); " +
		"hand edits are validated on load and a bad file keeps the last good rules in force. "
)

// ErrSyntax marks a rules file that is not the AuthorizationRules.xml format.
var ErrSyntax = errors.New("malformed rules file")

// ParseError is a problem in a rules file. It names the line, the rule (by
// Id when known, else by position), the element and the offending value.
// Its message quotes at most a short, escaped excerpt of each (see excerpt),
// never the whole file.
type ParseError struct {
	Line    int    // 1-based line of the problem, 0 if unknown
	Rule    int    // 1-based position of the <Rule> element, 0 outside any rule
	RuleID  string // text of the rule's <Id>, "" if not read yet
	Element string // element name, "" if not about one element
	Value   string // the offending value, if any
	Err     error  // ErrSyntax, ErrBadValue, ErrPartialWildcard …
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	switch {
	case e.RuleID != "":
		fmt.Fprintf(&b, "rule %s: ", excerptText(e.RuleID))
	case e.Rule > 0:
		fmt.Fprintf(&b, "rule #%d (no Id yet): ", e.Rule)
	}
	if e.Element != "" {
		fmt.Fprintf(&b, "element <%s>", excerptText(e.Element))
		if e.Value != "" {
			fmt.Fprintf(&b, " value %s", excerpt(e.Value))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Decode reads an AuthorizationRules.xml document (as PSWA or psgate writes
// it) and returns its rules in file order. Every rule is validated; unknown
// elements, duplicate elements, duplicate Ids and bad values are errors.
// A UTF-8 byte order mark and CRLF line ends (as .NET on Windows writes) are
// fine. Only UTF-8 is read.
func Decode(r io.Reader) ([]Rule, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading rules: %w", err)
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode on a byte slice. Well-formed files take a fast path;
// anything unusual (and every error) goes through encoding/xml, so both give
// the same rules and the same errors.
func DecodeBytes(data []byte) ([]Rule, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if bytes.IndexByte(data, '\r') >= 0 {
		// XML end-of-line handling, done up front so Windows (CRLF) files
		// take the fast path too.
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	if rules, ok := fastDecode(data); ok {
		return rules, nil
	}
	return slowDecode(data)
}

// slowDecode parses with encoding/xml, reporting precise errors.
func slowDecode(data []byte) ([]Rule, error) {
	p := &parser{d: xml.NewDecoder(bytes.NewReader(data)), data: data}
	p.d.Strict = true
	return p.document()
}

type parser struct {
	d     *xml.Decoder
	data  []byte // the document, for excerpts around an error
	nrule int
	id    string
}

func (p *parser) fail(elem, val string, err error) error {
	line, _ := p.d.InputPos()
	return &ParseError{Line: line, Rule: p.nrule, RuleID: p.id, Element: elem, Value: val, Err: err}
}

func (p *parser) syntax(format string, a ...any) error {
	return p.fail("", "", fmt.Errorf("%w: %s", ErrSyntax, fmt.Sprintf(format, a...)))
}

// xmlError reports an encoding/xml error (whose message may hold a name of
// any length) with an excerpt of the document before the position it
// stopped at.
func (p *parser) xmlError(err error) error {
	off := min(max(p.d.InputOffset(), 0), int64(len(p.data)))
	return p.syntax("%s near %s", excerptText(err.Error()), excerptBefore(p.data, int(off)))
}

// next returns the next token that is not a comment, directive, processing
// instruction or whitespace.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst, xml.Directive:
			continue
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			return nil, p.syntax("unexpected text %s", excerpt(string(bytes.TrimSpace(t))))
		}
		return tok, nil
	}
}

func (p *parser) document() ([]Rule, error) {
	tok, err := p.next()
	if err == io.EOF {
		return nil, p.syntax("empty document, want <Rules>")
	} else if err != nil {
		return nil, err
	}
	st, ok := tok.(xml.StartElement)
	if !ok || st.Name.Local != elemRules {
		return nil, p.syntax("root element is not <Rules>")
	}
	rules, err := p.rules()
	if err != nil {
		return nil, err
	}
	p.nrule, p.id = 0, ""
	if tok, err := p.next(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, p.syntax("content after </Rules>: %T", tok)
	}
	return rules, nil
}

func (p *parser) rules() ([]Rule, error) {
	var rules []Rule
	seen := map[int]bool{}
	for {
		tok, err := p.next()
		if err != nil {
			if err == io.EOF {
				return nil, p.syntax("unexpected end of file inside <Rules>")
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return rules, nil
		case xml.StartElement:
			p.nrule++
			p.id = ""
			if t.Name.Local != elemRule {
				return nil, p.fail(t.Name.Local, "", fmt.Errorf("%w: unknown element in <Rules>", ErrSyntax))
			}
			r, err := p.rule()
			if err != nil {
				return nil, err
			}
			if seen[r.ID] {
				return nil, p.fail(elemID, strconv.Itoa(r.ID), fmt.Errorf("%w: duplicate Id", ErrBadValue))
			}
			seen[r.ID] = true
			rules = append(rules, r)
		}
	}
}

// rule reads the children of one <Rule> up to its end tag.
func (p *parser) rule() (Rule, error) {
	var f ruleFields
	for {
		tok, err := p.next()
		if err != nil {
			if err == io.EOF {
				return Rule{}, p.syntax("unexpected end of file inside <Rule>")
			}
			return Rule{}, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			r, ferr := f.build()
			if ferr != nil {
				return Rule{}, p.fail(ferr.elem, ferr.val, ferr.err)
			}
			return r, nil
		case xml.StartElement:
			name := t.Name.Local
			k := elemIndex(name)
			if k < 0 {
				return Rule{}, p.fail(name, "", fmt.Errorf("%w: unknown element in <Rule>", ErrSyntax))
			}
			if f.has[k] {
				return Rule{}, p.fail(name, "", fmt.Errorf("%w: element appears twice", ErrSyntax))
			}
			v, err := p.text(name)
			if err != nil {
				return Rule{}, err
			}
			f.v[k], f.has[k] = v, true
			if k == fID {
				p.id = v
			}
		}
	}
}

// text reads the character data of a leaf element up to its end tag.
func (p *parser) text(elem string) (string, error) {
	var b strings.Builder
	for {
		tok, err := p.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", p.syntax("unexpected end of file inside <%s>", elem)
			}
			return "", p.xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return strings.TrimSpace(b.String()), nil
		case xml.StartElement:
			return "", p.fail(elem, "", fmt.Errorf("%w: unexpected element <%s> inside", ErrSyntax, t.Name.Local))
		}
	}
}

// parseBool accepts the xsd:boolean spellings (true, false, 1, 0).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%w: boolean %s", ErrBadValue, excerpt(s))
}

// Encode writes rules as AuthorizationRules.xml, element for element as PSWA
// writes it, so PSWA can read the file. Rules are written in the order given.
func Encode(w io.Writer, rules []Rule) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!--" + fileWarningText + "-->\n")
	if len(rules) == 0 {
		bw.WriteString("<Rules />\n")
		return bw.Flush()
	}
	bw.WriteString("<Rules>\n")
	for _, r := range rules {
		bw.WriteString("  <Rule>\n")
		leaf(bw, elemID, strconv.Itoa(r.ID))
		leaf(bw, elemName, r.Name)
		leaf(bw, elemUser, r.User)
		leaf(bw, elemUserType, r.UserType.String())
		leaf(bw, elemDest, r.Destination)
		leaf(bw, elemDestType, r.DestinationType.String())
		leaf(bw, elemConfig, r.ConfigurationName)
		leaf(bw, elemUserLocal, strconv.FormatBool(r.IsUserGroupLocal))
		leaf(bw, elemCompLocal, strconv.FormatBool(r.IsComputerGroupLocal))
		leaf(bw, elemDestIsSID, strconv.FormatBool(r.IsCanonicalDestinationSID))
		bw.WriteString("  </Rule>\n")
	}
	bw.WriteString("</Rules>\n")
	return bw.Flush()
}

func leaf(w *bufio.Writer, name, val string) {
	w.WriteString("    <" + name + ">")
	xml.EscapeText(w, []byte(val))
	w.WriteString("</" + name + ">\n")
}
