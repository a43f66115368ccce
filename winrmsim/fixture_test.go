package winrmsim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/psgate/psgate/internal/testenv"
)

const fixtureDir = "../../shared/fixtures/pypsrp-responses"

type recording struct {
	Messages []struct {
		Request  string `yaml:"request"`
		Response string `yaml:"response"`
	} `yaml:"messages"`
}

// shape is the set of element paths with their attribute names (no text,
// no values), namespace-resolved.
func shape(t *testing.T, doc string) map[string]bool {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	out := map[string]bool{}
	var path []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("shape: %v in %.200s", err, doc)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range e.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, a.Name.Local)
			}
			sort.Strings(attrs)
			if e.Name.Local == "ActivityId" { // optional p:ActivityId header, not always sent
				d.Skip()
				continue
			}
			path = append(path, e.Name.Space+"|"+e.Name.Local)
			out[strings.Join(path, "/")+"["+strings.Join(attrs, ",")+"]"] = true
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

func actionOf(t *testing.T, doc string) string {
	r, err := parseEnvelope([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return r.Action
}

// TestFixtureShape replays recorded pypsrp requests against the simulator
// and compares each reply's element shape with the recorded Windows reply.
func TestFixtureShape(t *testing.T) {
	// Recordings whose commands the simulator runs alike (echo, exit, unknown ids).
	files := []string{"test_winrs_standard.yml", "test_winrs_bad_cmd_id.yml"}
	if _, err := os.Stat(fixtureDir); err != nil {
		testenv.SkipOrFail(t, "fixtures absent: %v", err)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(fixtureDir, f))
			if err != nil {
				t.Fatal(err)
			}
			var rec recording
			if err := yaml.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			s, err := NewServer(Config{Users: map[string]string{"vagrant": "vagrant"}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ids := map[string]string{} // recorded id -> ours
			want := map[string]map[string]bool{}
			got := map[string]map[string]bool{}
			for _, m := range rec.Messages {
				req := m.Request
				for old, ours := range ids {
					req = strings.ReplaceAll(req, old, ours)
				}
				// the recorded commands are cmd.exe programs; make long ones short
				req = strings.ReplaceAll(req, "PT20S", "PT1S")
				hr, _ := http.NewRequest(http.MethodPost, s.URL(), bytes.NewBufferString(req))
				hr.SetBasicAuth("vagrant", "vagrant")
				resp, err := http.DefaultClient.Do(hr)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if ct := resp.Header.Get("Content-Type"); ct != "application/soap+xml;charset=UTF-8" {
					t.Errorf("content type %q", ct)
				}
				recReq, _ := parseEnvelope([]byte(m.Request))
				ourRep, _ := parseEnvelope(body)
				recRep, _ := parseEnvelope([]byte(m.Response))
				if ourRep == nil || recRep == nil {
					t.Fatalf("unparsable reply %.300s", body)
				}
				// RelatesTo must echo the request MessageID
				if !strings.Contains(string(body), "<a:RelatesTo>"+recReq.MessageID+"</a:RelatesTo>") {
					t.Errorf("RelatesTo not echoed for %s", recReq.MessageID)
				}
				key := actionOf(t, m.Response)
				if want[key] == nil {
					want[key], got[key] = map[string]bool{}, map[string]bool{}
				}
				for k := range shape(t, m.Response) {
					want[key][k] = true
				}
				for k := range shape(t, string(body)) {
					got[key][k] = true
				}
				learnIDs(m.Response, string(body), ids)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reply shape differs from the recording (-windows +simulator):\n%s", diff)
			}
		})
	}
}

// learnIDs maps recorded ShellId/CommandId values to the simulator's.
func learnIDs(recorded, ours string, ids map[string]string) {
	for _, tag := range []string{`<w:Selector Name="ShellId">`, `<rsp:CommandId>`} {
		a, b := between(recorded, tag), between(ours, tag)
		if a != "" && b != "" {
			ids[a] = b
		}
	}
}

func between(s, tag string) string {
	i := strings.Index(s, tag)
	if i < 0 {
		return ""
	}
	s = s[i+len(tag):]
	if j := strings.IndexByte(s, '<'); j >= 0 {
		return s[:j]
	}
	return ""
}
