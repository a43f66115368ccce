package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/session"
)

const testPrompt = `PS C:\Users\alice> `

// echoShell echoes each input as stdout and then a prompt, except "block",
// which runs until interrupted.
type echoShell struct {
	mu   sync.Mutex
	emit func(session.Event)
	sent []string
}

func (s *echoShell) Send(input string) error {
	s.mu.Lock()
	s.sent = append(s.sent, input)
	s.mu.Unlock()
	if input == "block" {
		return nil
	}
	if input == "err" {
		s.emit(session.Event{Kind: session.EventOutput, Stream: "stderr", Text: "boom\r\n"})
		s.emit(session.Event{Kind: session.EventPrompt, Prompt: testPrompt, Success: false})
		return nil
	}
	s.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: input + "\r\n"})
	s.emit(session.Event{Kind: session.EventPrompt, Prompt: testPrompt, Success: true})
	return nil
}

func (s *echoShell) Interrupt(context.Context) error {
	s.emit(session.Event{Kind: session.EventOutput, Stream: "warning", Text: "^C\r\n"})
	s.emit(session.Event{Kind: session.EventPrompt, Prompt: testPrompt, Success: false})
	return nil
}

func (s *echoShell) Close() error { return nil }

func (s *echoShell) inputs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

type fixture struct {
	t     *testing.T
	m     *session.Manager
	srv   *httptest.Server
	shell *echoShell
	id    string // alice's session
	other string // bob's session
}

func newFixture(t *testing.T, mut func(*Config)) *fixture {
	t.Helper()
	m, err := session.NewManager(session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, m: m}
	open := func(sh **echoShell) session.Opener {
		return func(_ context.Context, emit func(session.Event)) (session.Shell, error) {
			s := &echoShell{emit: emit}
			if sh != nil {
				*sh = s
			}
			emit(session.Event{Kind: session.EventPrompt, Prompt: testPrompt, Success: true})
			return s, nil
		}
	}
	ctx := context.Background()
	s, err := m.Open(ctx, session.OpenRequest{User: "alice", Target: "srv01"}, open(&f.shell))
	if err != nil {
		t.Fatal(err)
	}
	f.id = s.ID()
	s2, err := m.Open(ctx, session.OpenRequest{User: "bob", Target: "srv02"}, open(nil))
	if err != nil {
		t.Fatal(err)
	}
	f.other = s2.ID()
	cfg := Config{
		Sessions: m,
		User: func(r *http.Request) (string, bool) {
			c, err := r.Cookie("user")
			if err != nil || c.Value == "" {
				return "", false
			}
			return c.Value, true
		},
		CheckCSRF: func(r *http.Request, token string) bool {
			c, err := r.Cookie("user")
			return err == nil && token == "tok-"+c.Value
		},
		SessionID: func(r *http.Request) string { return r.PathValue("id") },
	}
	if mut != nil {
		mut(&cfg)
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /console/{id}/ws", h)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(sctx)
	})
	return f
}

type dialOpts struct {
	user, csrf, origin, id string
	protocols              []string
	noOrigin               bool
}

func (f *fixture) dial(o dialOpts) (*websocket.Conn, *http.Response, error) {
	if o.user == "" {
		o.user = "alice"
	}
	if o.csrf == "" {
		o.csrf = "tok-" + o.user
	}
	if o.id == "" {
		o.id = f.id
	}
	if o.protocols == nil {
		o.protocols = []string{Subprotocol}
	}
	host := strings.TrimPrefix(f.srv.URL, "http://")
	if o.origin == "" {
		o.origin = f.srv.URL
	}
	h := http.Header{}
	if o.user != "-" {
		h.Set("Cookie", "user="+o.user)
	}
	if !o.noOrigin {
		h.Set("Origin", o.origin)
	}
	d := websocket.Dialer{Subprotocols: o.protocols, HandshakeTimeout: 5 * time.Second}
	u := "ws://" + host + "/console/" + o.id + "/ws?csrf=" + o.csrf
	ws, resp, err := d.Dial(u, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return ws, resp, err
}

// frame is a decoded gateway → browser frame.
type frame map[string]any

func readFrame(t *testing.T, ws *websocket.Conn) frame {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var fr frame
	if err := json.Unmarshal(msg, &fr); err != nil {
		t.Fatalf("frame %s: %v", msg, err)
	}
	return fr
}

// readUntil reads frames until one of type typ arrives and returns all.
func readUntil(t *testing.T, ws *websocket.Conn, typ string) []frame {
	t.Helper()
	var out []frame
	for {
		fr := readFrame(t, ws)
		out = append(out, fr)
		if fr["type"] == typ {
			return out
		}
	}
}

func send(t *testing.T, ws *websocket.Conn, v any) {
	t.Helper()
	if err := ws.WriteJSON(v); err != nil {
		t.Fatalf("write %v: %v", v, err)
	}
}

// closeCode reads until the socket ends and returns the close code.
func closeCode(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	for {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			t.Fatalf("socket ended without a close frame: %v", err)
		}
	}
}

func TestHappyPath(t *testing.T) {
	f := newFixture(t, nil)
	ws, resp, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	if got := resp.Header.Get("Sec-Websocket-Protocol"); got != Subprotocol {
		t.Errorf("subprotocol = %q", got)
	}
	hello := readFrame(t, ws)
	want := frame{"type": "hello", "version": 1.0, "prompt": testPrompt, "busy": false,
		"session": map[string]any{"id": f.id, "name": hello["session"].(map[string]any)["name"], "target": "srv01", "user": "alice"}}
	if d := cmp.Diff(want, hello); d != "" {
		t.Errorf("hello (-want +got):\n%s", d)
	}
	// The first prompt, emitted while the session was disconnected, is replayed.
	if fr := readFrame(t, ws); fr["type"] != "prompt" || fr["prompt"] != testPrompt {
		t.Errorf("after hello: %v, want the replayed first prompt", fr)
	}
	send(t, ws, map[string]any{"type": "resize", "cols": 120, "rows": 40})
	send(t, ws, map[string]any{"type": "input", "data": "Write-Output hello"})
	got := readUntil(t, ws, "prompt")
	wantOut := []frame{
		{"type": "output", "stream": "stdout", "data": "Write-Output hello\r\n", "replay": false},
		{"type": "prompt", "prompt": testPrompt, "success": true},
	}
	if d := cmp.Diff(wantOut, got); d != "" {
		t.Errorf("frames (-want +got):\n%s", d)
	}
	send(t, ws, map[string]any{"type": "input", "data": "block"})
	send(t, ws, map[string]any{"type": "interrupt"})
	got = readUntil(t, ws, "prompt")
	if got[len(got)-1]["success"] != false || got[0]["stream"] != "warning" {
		t.Errorf("after interrupt: %v", got)
	}
	send(t, ws, map[string]any{"type": "keepalive"})
	send(t, ws, map[string]any{"type": "ack", "id": "m1"})
	send(t, ws, map[string]any{"type": "exit"})
	got = readUntil(t, ws, "closed")
	if c := got[len(got)-1]; c["reason"] != "exit" {
		t.Errorf("closed = %v", c)
	}
	if code := closeCode(t, ws); code != websocket.CloseNormalClosure {
		t.Errorf("close code %d, want 1000", code)
	}
	if d := cmp.Diff([]string{"Write-Output hello", "block"}, f.shell.inputs()); d != "" {
		t.Errorf("shell inputs (-want +got):\n%s", d)
	}
}

func TestReconnectReplays(t *testing.T) {
	f := newFixture(t, nil)
	ws, _, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	readUntil(t, ws, "prompt") // hello, first prompt
	send(t, ws, map[string]any{"type": "input", "data": "block"})
	for len(f.shell.inputs()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ws.Close()
	waitState(t, f, session.State("disconnected"))

	f.shell.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: "while away\r\n"})

	ws2, _, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	got := []frame{readFrame(t, ws2), readFrame(t, ws2)}
	f.shell.emit(session.Event{Kind: session.EventPrompt, Prompt: testPrompt, Success: true})
	got = append(got, readUntil(t, ws2, "prompt")...)
	if got[0]["type"] != "hello" || got[0]["busy"] != true {
		t.Errorf("first frame %v, want hello busy", got[0])
	}
	var replayed strings.Builder
	for _, fr := range got[1:] {
		if fr["type"] == "output" {
			if fr["replay"] != true {
				t.Errorf("output not marked replay: %v", fr)
			}
			replayed.WriteString(fr["data"].(string))
		}
	}
	if got[len(got)-1]["type"] != "prompt" {
		t.Errorf("last frame %v, want the live prompt", got[len(got)-1])
	}
	if replayed.String() != "while away\r\n" {
		t.Errorf("replayed %q", replayed.String())
	}
}

func waitState(t *testing.T, f *fixture, want session.State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := f.m.Get(f.id, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if s.Info().State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %q, want %q", s.Info().State, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRefusedBeforeUpgrade(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		opts   dialOpts
		status int
	}{
		{"wrong origin", dialOpts{origin: "https://evil.example"}, 403},
		{"origin with other port", dialOpts{origin: "http://127.0.0.1:1"}, 403},
		{"no origin", dialOpts{noOrigin: true}, 403},
		{"null origin", dialOpts{origin: "null"}, 403},
		{"no user", dialOpts{user: "-"}, 403},
		{"missing csrf", dialOpts{csrf: "-"}, 403},
		{"bad csrf", dialOpts{csrf: "tok-bob"}, 403},
		{"wrong subprotocol", dialOpts{protocols: []string{"psgate.v2"}}, 403},
		{"no subprotocol", dialOpts{protocols: []string{}}, 403},
		{"another user's session", dialOpts{id: "OTHER"}, 404},
		{"unknown session", dialOpts{id: "0123456789abcdef0123456789abcdef"}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.id == "OTHER" {
				tt.opts.id = f.other
			}
			if tt.opts.csrf == "-" {
				tt.opts.csrf = "%20"
			}
			ws, resp, err := f.dial(tt.opts)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded")
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("response %v, err %v; want status %d", resp, err, tt.status)
			}
		})
	}
	// The refusals left both sessions disconnected and open.
	for _, c := range []struct{ id, user string }{{f.id, "alice"}, {f.other, "bob"}} {
		s, err := f.m.Get(c.id, c.user)
		if err != nil {
			t.Fatal(err)
		}
		if st := s.Info().State; st != "disconnected" {
			t.Errorf("session of %s is %q", c.user, st)
		}
	}
}

func TestHostileFrames(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name string
		kind int
		msg  string
		code int
	}{
		{"oversized frame", websocket.TextMessage, `{"type":"input","data":"` + strings.Repeat("A", 70<<10) + `"}`, websocket.CloseMessageTooBig},
		{"bad JSON", websocket.TextMessage, `{"type":"input",`, websocket.CloseInvalidFramePayloadData},
		{"not an object", websocket.TextMessage, `"input"`, websocket.CloseInvalidFramePayloadData},
		{"input without data", websocket.TextMessage, `{"type":"input"}`, websocket.CloseInvalidFramePayloadData},
		{"unknown type", websocket.TextMessage, `{"type":"shell","data":"x"}`, websocket.CloseUnsupportedData},
		{"binary frame", websocket.BinaryMessage, `{"type":"keepalive"}`, websocket.CloseUnsupportedData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, _, err := f.dial(dialOpts{})
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			readFrame(t, ws) // hello
			if err := ws.WriteMessage(tt.kind, []byte(tt.msg)); err != nil && tt.code != websocket.CloseMessageTooBig {
				// The server may close on an oversized frame before the
				// client finishes writing it; the close frame is still read.
				t.Fatal(err)
			}
			if code := closeCode(t, ws); code != tt.code {
				t.Errorf("close code %d, want %d", code, tt.code)
			}
			waitState(t, f, session.State("disconnected"))
		})
	}
	if d := cmp.Diff([]string(nil), f.shell.inputs()); d != "" {
		t.Errorf("hostile frames reached the shell (-want +got):\n%s", d)
	}
}

// slowClient never reads, so the queue must fill and close the socket.
func TestSlowClientClosed(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.QueueBytes = 4096 })
	ws, _, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	readFrame(t, ws)
	c := newConn(Config{QueueBytes: 4096})
	for range 100 {
		c.Deliver(session.Update{Kind: session.UpdateOutput, Stream: "stdout", Data: strings.Repeat("x", 100)})
	}
	frames, overflow := c.take()
	if !overflow || len(frames) != 0 {
		t.Errorf("overflow %v with %d frames queued, want overflow and an empty queue", overflow, len(frames))
	}
	// End to end: flood the session faster than a 4 KiB queue can hold.
	big := strings.Repeat("y", 3000)
	for range 50 {
		f.shell.emit(session.Event{Kind: session.EventOutput, Stream: "stdout", Text: big})
	}
	for {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater {
				t.Fatalf("socket ended with %v, want close 1013", err)
			}
			break
		}
	}
}

// attachOnly hides Manager.Get, so the handler must attach, then authorize.
type attachOnly struct{ m *session.Manager }

func (a attachOnly) Attach(id, user string, c session.Client) (*session.Session, func(), error) {
	return a.m.Attach(id, user, c)
}

func TestAuthorizeOnReconnect(t *testing.T) {
	deny := errors.New("rule removed")
	for _, getFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("get-first=%v", getFirst), func(t *testing.T) {
			var calls []string
			var mu sync.Mutex
			f := newFixture(t, func(c *Config) {
				c.Authorize = func(_ *http.Request, s *session.Session) error {
					mu.Lock()
					calls = append(calls, s.Info().User)
					mu.Unlock()
					return deny
				}
				if !getFirst {
					c.Sessions = attachOnly{c.Sessions.(*session.Manager)}
				}
			})
			s, err := f.m.Get(f.id, "alice")
			if err != nil {
				t.Fatal(err)
			}
			before := s.Info().LastActivity
			_, resp, err := f.dial(dialOpts{})
			if err == nil || resp == nil || resp.StatusCode != 403 {
				t.Fatalf("authorize refusal: resp %v err %v, want 403", resp, err)
			}
			waitState(t, f, session.State("disconnected"))
			mu.Lock()
			if d := cmp.Diff([]string{"alice"}, calls); d != "" {
				t.Errorf("Authorize calls (-want +got):\n%s", d)
			}
			mu.Unlock()
			if after := s.Info().LastActivity; getFirst && !after.Equal(before) {
				t.Errorf("a refused reconnect counted as activity: %v → %v", before, after)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	if _, err := NewHandler(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("empty config: %v, want ErrConfig", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		f := newFixture(t, nil)
		for range 5 {
			ws, _, err := f.dial(dialOpts{})
			if err != nil {
				t.Fatal(err)
			}
			readFrame(t, ws) // hello
			send(t, ws, map[string]any{"type": "input", "data": "x"})
			readUntil(t, ws, "prompt")
			ws.Close()
		}
		ws, _, err := f.dial(dialOpts{})
		if err != nil {
			t.Fatal(err)
		}
		readFrame(t, ws)
		ws.WriteMessage(websocket.TextMessage, []byte("{"))
		closeCode(t, ws)
		ws.Close()
		f.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.m.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d, before %d:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLargeInputIntact: pastes far larger than the socket's 1 KiB read
// buffer, up to just under the frame limit, reach the shell byte for byte
// (multi-byte UTF-8 across buffer boundaries included).
func TestLargeInputIntact(t *testing.T) {
	f := newFixture(t, nil)
	ws, _, err := f.dial(dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	readFrame(t, ws) // hello
	readFrame(t, ws) // the replayed first prompt
	var want []string
	for _, n := range []int{1000, 1023, 1025, 4097, 60 << 10} {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "line %d ü€😀\n", i)
		}
		in := b.String()
		want = append(want, in)
		send(t, ws, map[string]any{"type": "input", "data": in})
		readUntil(t, ws, "prompt")
	}
	got := f.shell.inputs()
	if len(got) != len(want) {
		t.Fatalf("shell got %d inputs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("input %d: %d bytes arrived, want %d identical", i, len(got[i]), len(want[i]))
		}
	}
}
