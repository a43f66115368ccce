package remoting

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/clixml"
)

// fixtures are the recorded Windows exchanges beside the repository.
const fixtures = "../../../shared/fixtures/pypsrp-responses"

type exchange struct {
	Request  string `yaml:"request"`
	Response string `yaml:"response"`
}

func loadRecording(t testing.TB, name string) []exchange {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if os.IsNotExist(err) {
		t.Skipf("recordings not found beside the repository (%s)", fixtures)
	}
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Messages []exchange `yaml:"messages"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f.Messages
}

var (
	reAction  = regexp.MustCompile(`Action[^>]*>([^<]*)<`)
	reShellID = regexp.MustCompile(`(?:ShellId="|Name="ShellId">)([0-9A-Fa-f-]{36})`)
	reCommand = regexp.MustCompile(`CommandId="([0-9A-Fa-f-]{36})"`)
	rePayload = regexp.MustCompile(`<(?:\w+:)?(creationXml|connectXml|Arguments|Stream)\b[^>]*>([A-Za-z0-9+/=]+)<`)
	reEnvSize = regexp.MustCompile(`MaxEnvelopeSize[^>]*>(\d+)<`)
)

// request is what the comparison looks at in one WS-Man request: the
// action, the ids, the PSRP payloads (decoded) and the envelope size.
type request struct {
	action, shell, command string
	payloads               []string
	envelope               string
}

func summarise(xml string) request {
	r := request{}
	if m := reAction.FindStringSubmatch(xml); m != nil {
		r.action = m[1][strings.LastIndexByte(m[1], '/')+1:]
	}
	if m := reShellID.FindStringSubmatch(xml); m != nil {
		r.shell = strings.ToUpper(m[1])
	}
	if m := reCommand.FindStringSubmatch(xml); m != nil {
		r.command = eitherOrder(m[1])
	}
	for _, m := range rePayload.FindAllStringSubmatch(xml, -1) {
		b, _ := base64.StdEncoding.DecodeString(m[2])
		r.payloads = append(r.payloads, m[1]+":"+string(b))
	}
	if m := reEnvSize.FindStringSubmatch(xml); m != nil {
		r.envelope = m[1]
	}
	return r
}

// samePayloads compares PSRP payloads message by message: fragment
// layout, destination, type, runspace pool and pipeline ids exactly, and
// each message's CLIXML by value (re-encoded by our encoder: pypsrp, which
// made the recordings, writes RefId before N and <ToString /> for empty
// enum names where PowerShell does not, docs/psrp-clixml.md).
func samePayloads(t testing.TB, got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := canonical(t, got[i]), canonical(t, want[i])
		if g != w {
			t.Logf("payload %d:\n got %s\nwant %s", i, g, w)
			return false
		}
	}
	return true
}

// canonical is a payload ("kind:bytes") as fragments and messages with
// their CLIXML re-encoded.
func canonical(t testing.TB, p string) string {
	kind, data, _ := strings.Cut(p, ":")
	frags, err := psrp.DecodeFragments([]byte(data))
	if err != nil {
		return kind + " undecodable: " + err.Error()
	}
	var b strings.Builder
	b.WriteString(kind)
	for _, f := range frags {
		fmt.Fprintf(&b, " frag(%d,%d,%v,%v,%d)", f.ObjectID, f.FragmentID, f.Start, f.End, len(f.Blob))
	}
	codec, _ := psrp.NewCodec(psrp.CodecConfig{})
	msgs, err := codec.Decode([]byte(data))
	if err != nil {
		return b.String() + " undecodable: " + err.Error()
	}
	for _, m := range msgs {
		v, _, err := clixml.Decode(m.Data)
		enc := m.Data
		if err == nil {
			enc, _ = clixml.Encode(v)
		}
		fmt.Fprintf(&b, " msg(%d %s %s %s %x)", m.Destination, m.Type, eitherOrder(m.RPID.String()), eitherOrder(m.PID.String()), enc)
	}
	return b.String()
}

// eitherOrder names a GUID whichever byte order its writer used: most
// recordings carry pypsrp's RFC 4122 order where PowerShell writes the
// Windows order (docs/psrp.md), so ids compare as the pair of readings.
func eitherOrder(s string) string {
	g, err := psrp.ParseGUID(s)
	if err != nil {
		return strings.ToUpper(s)
	}
	a, b := g.String(), psrp.FromRFC4122([16]byte(g)).String()
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

// replayServer answers each request with the next recorded response after
// checking that the request matches the recorded one.
type replayServer struct {
	t    testing.TB
	mu   sync.Mutex
	recs []exchange
	next int
}

func (s *replayServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.recs) {
		s.t.Errorf("request %d beyond the recording: %s", s.next, summarise(string(body)).action)
		http.Error(w, "beyond the recording", http.StatusBadRequest)
		return
	}
	rec := s.recs[s.next]
	got, want := summarise(string(body)), summarise(rec.Request)
	if got.action != want.action || got.shell != want.shell && want.action != "Create" || got.command != want.command ||
		got.envelope != want.envelope || !samePayloads(s.t, got.payloads, want.payloads) {
		s.t.Errorf("request %d differs from the recording:\n got %s shell %s command %s envelope %s payloads %d\nwant %s shell %s command %s envelope %s payloads %d",
			s.next, got.action, got.shell, got.command, got.envelope, len(got.payloads), want.action, want.shell,
			want.command, want.envelope, len(want.payloads))
	}
	s.next++
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if strings.Contains(rec.Response, "<s:Fault>") || strings.Contains(rec.Response, ":Fault>") {
		w.WriteHeader(http.StatusInternalServerError)
	}
	_, _ = io.WriteString(w, rec.Response)
}

// serveRecording starts a replay server for file over HTTPS on loopback
// (closed at the end of the test) and returns it, its recording and an
// endpoint to reach it.
func serveRecording(t testing.TB, file string) (*replayServer, []exchange, wsman.Endpoint) {
	t.Helper()
	recs := loadRecording(t, file)
	srv := &replayServer{t: t, recs: recs}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	port, _ := strconv.Atoi(u.Port())
	return srv, recs, wsman.Endpoint{Host: u.Hostname(), Port: port, HTTPS: true, Insecure: true, Auth: "basic",
		Username: "vagrant", Password: "vagrant"}
}

// recordedMessages decodes the PSRP messages of every recorded request
// payload of kind ("creationXml" or "Arguments"), one slice per request.
func recordedMessages(t testing.TB, recs []exchange, kind string) [][]psrp.Message {
	t.Helper()
	var out [][]psrp.Message
	for _, e := range recs {
		for _, p := range summarise(e.Request).payloads {
			if data, ok := strings.CutPrefix(p, kind+":"); ok {
				codec, err := psrp.NewCodec(psrp.CodecConfig{})
				if err != nil {
					t.Fatal(err)
				}
				msgs, err := codec.Decode([]byte(data))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, msgs)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s in the recording", kind)
	}
	return out
}

// TestReplay runs our client against a server that answers with Windows'
// recorded replies. Every request must match the recorded one: action,
// ShellId, CommandId, MaxEnvelopeSize (153600, then the 512000 the
// protocol negotiation allows) and the PSRP payloads (fragment layout and
// message headers exactly, CLIXML by value); the recorded replies must
// open the pool and end each pipeline Completed with output.
//   - test_psrp_no_profile.yml: Create with the pool's opening messages,
//     two Receives, Command with the pipeline, Receive, Delete.
//   - test_psrp_multiple_invocations.yml: two pipelines on one pool, each
//     closed with a Signal once it ended (CloseCommands, as pypsrp).
func TestReplay(t *testing.T) {
	for _, tc := range []struct {
		file          string
		closeCommands bool
	}{
		{"test_psrp_no_profile.yml", false},
		{"test_psrp_multiple_invocations.yml", true},
	} {
		t.Run(tc.file, func(t *testing.T) { replay(t, tc.file, tc.closeCommands) })
	}
}

func replay(t testing.TB, file string, closeCommands bool) {
	srv, recs, endpoint := serveRecording(t, file)
	open := recordedMessages(t, recs, "creationXml")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, Config{Endpoint: endpoint, Pool: recordedPool(t, open), CloseCommands: closeCommands})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if c.Pool().State() != psrp.PoolOpened || c.ShellID() != open[0].RPID.String() {
		t.Fatalf("pool %s, shell %s", c.Pool().State(), c.ShellID())
	}
	for i, create := range recordedMessages(t, recs, "Arguments") {
		var outputs []string
		state, errRec, err := c.Invoke(ctx, Invocation{
			Pipeline: recordedPipeline(t, create[0]),
			OnEvent: func(ev psrp.Event) {
				if o, ok := ev.(psrp.OutputEvent); ok {
					s, _ := clixml.AsString(o.Value)
					outputs = append(outputs, s)
				}
			},
		})
		if err != nil || state != psrp.PipelineCompleted || errRec != nil || len(outputs) == 0 {
			t.Fatalf("pipeline %d: state %s, error record %v, output %q, err %v", i, state, errRec, outputs, err)
		}
		t.Logf("pipeline %d output %q", i, outputs)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if srv.next != len(recs) {
		t.Errorf("%d of %d recorded requests made", srv.next, len(recs))
	}
}
