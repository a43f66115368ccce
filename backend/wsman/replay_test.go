package wsman

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// fixtureDir holds pypsrp's recordings of real Windows hosts, beside the
// repository (never copied into it).
const fixtureDir = "../../../shared/fixtures/pypsrp-responses"

// node is an XML element compared by namespace URI, never by prefix, with
// its attributes in name order and its text trimmed.
type node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Text     string
	Children []*node
}

func parseTree(t *testing.T, doc []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root
		}
		if err != nil {
			t.Fatalf("parsing %.200s: %v", doc, err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name}
			for _, a := range tk.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					n.Attrs = append(n.Attrs, a)
				}
			}
			slices.SortFunc(n.Attrs, func(a, b xml.Attr) int {
				return strings.Compare(a.Name.Space+" "+a.Name.Local, b.Name.Space+" "+b.Name.Local)
			})
			if len(stack) > 0 {
				stack[len(stack)-1].Children = append(stack[len(stack)-1].Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack[len(stack)-1].Text = strings.TrimSpace(stack[len(stack)-1].Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tk)
			}
		}
	}
}

func (n *node) find(space, local string) *node {
	if n == nil {
		return nil
	}
	if n.Name.Space == space && n.Name.Local == local {
		return n
	}
	for _, c := range n.Children {
		if f := c.find(space, local); f != nil {
			return f
		}
	}
	return nil
}

func (n *node) attr(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) text() string {
	if n == nil {
		return ""
	}
	return n.Text
}

// headerUnordered sorts the SOAP header's children: header blocks are
// unordered (pypsrp writes them alphabetically, we in masterzen's order).
func headerUnordered(env *node) {
	h := env.find(nsEnvelope, "Header")
	slices.SortStableFunc(h.Children, func(a, b *node) int {
		return strings.Compare(a.Name.Space+" "+a.Name.Local, b.Name.Space+" "+b.Name.Local)
	})
}

type recording struct {
	Messages []struct {
		Request  string `yaml:"request"`
		Response string `yaml:"response"`
	} `yaml:"messages"`
}

func loadRecordings(t *testing.T, pattern string) map[string]recording {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, pattern))
	if len(paths) == 0 {
		t.Skipf("no recordings %s in %s", pattern, fixtureDir)
	}
	out := map[string]recording{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r recording
		if err := yaml.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = r
	}
	return out
}

// rebuildHeader reads the Header values and the Action of a recorded header.
func rebuildHeader(t *testing.T, hdr *node) (Header, string) {
	t.Helper()
	timeout, err := ParseDuration(hdr.find(nsWSMan, "OperationTimeout").text())
	if err != nil { // PT-1S, sent to provoke a fault: whole seconds only
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(hdr.find(nsWSMan, "OperationTimeout").text(), "PT"), "S"))
		if err != nil {
			t.Fatal(err)
		}
		timeout = time.Duration(n) * time.Second
	}
	size, _ := strconv.Atoi(hdr.find(nsWSMan, "MaxEnvelopeSize").text())
	locale, _ := hdr.find(nsWSMan, "Locale").attr("lang")
	h := Header{To: hdr.find(nsAddressing, "To").text(), ResourceURI: hdr.find(nsWSMan, "ResourceURI").text(),
		MaxEnvelopeSize: size, OperationTimeout: timeout, Locale: locale,
		MessageID: hdr.find(nsAddressing, "MessageID").text(), SessionID: hdr.find(nsWSManMSFT, "SessionId").text()}
	if sel := hdr.find(nsWSMan, "Selector"); sel != nil {
		h.ShellID = sel.text()
	}
	if os := hdr.find(nsWSMan, "OptionSet"); os != nil {
		for _, o := range os.Children {
			name, _ := o.attr("Name")
			mc, _ := o.attr("MustComply")
			h.Options = append(h.Options, Option{Name: name, Value: o.text(), MustComply: mc == "true"})
		}
	}
	return h, hdr.find(nsAddressing, "Action").text()
}

// rebuild builds with our builders the request rec carries the values of.
func rebuild(t *testing.T, rec *node) ([]byte, string) {
	t.Helper()
	hdr, body := rec.find(nsEnvelope, "Header"), rec.find(nsEnvelope, "Body")
	h, action := rebuildHeader(t, hdr)
	b64 := func(n *node) []byte {
		if n == nil {
			return nil
		}
		d, err := base64.StdEncoding.DecodeString(n.text())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	name := action[strings.LastIndexByte(action, '/')+1:]
	switch action {
	case ActionCreate:
		sh := body.find(nsShell, "Shell")
		id, _ := sh.attr("ShellId")
		r := CreateRequest{ShellID: id, InputStreams: sh.find(nsShell, "InputStreams").text(),
			OutputStreams: sh.find(nsShell, "OutputStreams").text(), CreationXML: b64(sh.find(nsPowerShell, "creationXml"))}
		if n := sh.find(nsShell, "IdleTimeOut"); n != nil {
			r.IdleTimeOut, _ = ParseDuration(n.text())
		}
		return Create(h, r), name
	case ActionCommand:
		cl := body.find(nsShell, "CommandLine")
		id, _ := cl.attr("CommandId")
		r := CommandRequest{CommandID: id, Command: cl.find(nsShell, "Command").text()}
		for _, c := range cl.Children {
			if c.Name.Local == "Arguments" {
				r.Arguments = append(r.Arguments, c.text())
			}
		}
		return Command(h, r), name
	case ActionSend:
		s := body.find(nsShell, "Stream")
		stream, _ := s.attr("Name")
		id, _ := s.attr("CommandId")
		end, _ := s.attr("End")
		return Send(h, id, stream, b64(s), end == "true"), name
	case ActionReceive:
		d := body.find(nsShell, "DesiredStream")
		id, _ := d.attr("CommandId")
		return Receive(h, id, d.text()), name
	case ActionSignal:
		s := body.find(nsShell, "Signal")
		id, _ := s.attr("CommandId")
		return Signal(h, id, s.find(nsShell, "Code").text()), name
	case ActionDelete:
		return Delete(h), name
	case ActionGet:
		return Get(h), name
	case ActionReconnect:
		return Reconnect(h), name
	case ActionDisconnect:
		idle, _ := ParseDuration(body.find(nsShell, "IdleTimeOut").text())
		return Disconnect(h, idle), name
	case ActionConnect:
		c := body.find(nsShell, "Connect")
		id, _ := c.attr("CommandId")
		return Connect(h, id, b64(c.find(nsPowerShell, "connectXml"))), name
	case ActionEnumerate:
		return Enumerate(h, body.find(nsWSMan, "Selector").text()), name
	}
	t.Fatalf("no builder for %s", action)
	return nil, ""
}

// TestRecordedRequests builds every request of every PSRP recording with
// our builders and compares it with the recorded one as element trees.
func TestRecordedRequests(t *testing.T) {
	recs := loadRecordings(t, "test_psrp_*.yml")
	maps.Copy(recs, loadRecordings(t, "test_wsman_update_envelope_size_*.yml"))
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range recs {
			if !yield(k) {
				return
			}
		}
	})
	total := 0
	for _, name := range names {
		counts := map[string]int{}
		for i, m := range recs[name].Messages {
			want := parseTree(t, []byte(m.Request))
			env, op := rebuild(t, want)
			got := parseTree(t, env)
			headerUnordered(want)
			headerUnordered(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s request %d (%s) differs (-recorded +ours):\n%s", name, i, op, diff)
				continue
			}
			counts[op]++
			total++
		}
		t.Logf("%s: %d/%d requests match %v", name, total0(counts), len(recs[name].Messages), counts)
	}
	t.Logf("total: %d requests match", total)
	// The comparison sees a difference: another ShellId selector.
	want := parseTree(t, []byte(recs["test_psrp_open_runspace.yml"].Messages[3].Request))
	env, _ := rebuild(t, want)
	got := parseTree(t, []byte(strings.Replace(string(env), `Name="ShellId">`, `Name="ShellId">X`, 1)))
	headerUnordered(want)
	headerUnordered(got)
	if cmp.Equal(want, got) {
		t.Error("a changed ShellId compares equal")
	}
}

func total0(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
