package remoting

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/psgate/psgate/backend/wsman"
	"github.com/psgate/psgate/psrp"
)

var reStream = regexp.MustCompile(`(<rsp:Stream Name="stdout"[^>]*>)([A-Za-z0-9+/=]+)(</rsp:Stream>)`)

// loopServer answers the recorded pool opening once, then every Command
// and Receive of a pipeline with the recorded replies of
// test_psrp_no_profile.yml, re-addressed to the pipeline asked for (its
// PSRP messages re-encoded with that pipeline's id): a target that runs the
// same command again and again.
type loopServer struct {
	tb       testing.TB
	mu       sync.Mutex
	open     []exchange // Create, Receive, Receive
	command  string     // CommandResponse
	receive  string     // ReceiveResponse with the output and the state
	msgs     []psrp.Message
	codec    *psrp.Codec
	next     int
	pipeline string
}

func (s *loopServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := summarise(string(body))
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	switch {
	case s.next < len(s.open):
		_, _ = io.WriteString(w, s.open[s.next].Response)
		s.next++
	case req.action == "Command":
		s.pipeline = req.command
		_, _ = io.WriteString(w, strings.ReplaceAll(s.command, "FC8CF863-1D41-4202-AFD7-A82484D8F6D1", req.command))
	case req.action == "Receive":
		pid, err := psrp.ParseGUID(s.pipeline)
		if err != nil {
			s.tb.Error(err)
			return
		}
		msgs := append([]psrp.Message(nil), s.msgs...)
		for i := range msgs {
			msgs[i].PID = pid
		}
		payloads, err := s.codec.Encode(msgs...)
		if err != nil {
			s.tb.Error(err)
			return
		}
		var b strings.Builder
		for _, p := range payloads {
			b.WriteString(`<rsp:Stream Name="stdout" CommandId="` + s.pipeline + `">` + base64.StdEncoding.EncodeToString(p) + `</rsp:Stream>`)
		}
		reply := reStream.ReplaceAllString(s.receive, "")
		reply = strings.Replace(reply, "<rsp:ReceiveResponse>", "<rsp:ReceiveResponse>"+b.String(), 1)
		_, _ = io.WriteString(w, strings.ReplaceAll(reply, "FC8CF863-1D41-4202-AFD7-A82484D8F6D1", s.pipeline))
	default:
		_, _ = io.WriteString(w, s.open[0].Response) // Delete etc. are not benchmarked
	}
}

// BenchmarkPipelineRoundTrip: one pipeline per op through our whole client
// (CREATE_PIPELINE fragmented into a Command, one Receive of the output and
// state, CLIXML and state machines both ways) over HTTPS on loopback, the
// pool opened once, against a target answering with Windows' recorded
// replies. The live comparison with WinRS comes with the simulator's PSRP
// half (issue 9).
func BenchmarkPipelineRoundTrip(b *testing.B) {
	recs := loadRecording(b, "test_psrp_no_profile.yml")
	codec, _ := psrp.NewCodec(psrp.CodecConfig{})
	srv := &loopServer{tb: b, open: recs[:3], command: recs[3].Response, receive: recs[4].Response, codec: codec}
	for _, m := range reStream.FindAllStringSubmatch(recs[4].Response, -1) {
		data, _ := base64.StdEncoding.DecodeString(m[2])
		dec, _ := psrp.NewCodec(psrp.CodecConfig{})
		msgs, err := dec.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		srv.msgs = append(srv.msgs, msgs...)
	}
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	port, _ := strconv.Atoi(u.Port())
	open := recordedMessages(b, recs, "creationXml")[0]
	ctx := context.Background()
	c, err := Open(ctx, Config{Endpoint: wsman.Endpoint{Host: u.Hostname(), Port: port, HTTPS: true, Insecure: true,
		Auth: "basic", Username: "u", Password: "p"}, Pool: psrp.PoolConfig{ID: open[0].RPID}})
	if err != nil {
		b.Fatal(err)
	}
	ps := psrp.Script("$env:USERPROFILE", false)
	for b.Loop() {
		state, _, err := c.Invoke(ctx, Invocation{Pipeline: psrp.PipelineConfig{PowerShell: ps}, OnEvent: func(psrp.Event) {}})
		if err != nil || state != psrp.PipelineCompleted {
			b.Fatalf("state %s, %v", state, err)
		}
	}
}
