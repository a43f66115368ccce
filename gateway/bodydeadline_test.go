package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/audit"
)

// serveBodyDeadlineRig serves the public router with a short body timeout
// (and a short idle timeout) through Serve, as the gateway does, with an
// echo websocket mounted where the console's is.
func serveBodyDeadlineRig(t *testing.T, bodyTimeout time.Duration) string {
	t.Helper()
	cert, err := GenerateSelfSigned([]string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sm := NewSessionManager(time.Hour, nil)
	csrf := &CSRF{Values: sm}
	logger := slog.New(slog.DiscardHandler)
	si := &SignIn{
		Deps:     &Deps{Audit: audit.NewLog(io.Discard, nil), Metrics: NewMetrics(), Pages: textPages{}, Sessions: sm, CSRF: csrf, Logger: logger},
		Auth:     &countingAuth{},
		Throttle: NewThrottle(ThrottleConfig{}),
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	h := NewRouter(RouterConfig{SignIn: si, Sessions: sm, CSRF: csrf, Metrics: si.Metrics, Logger: logger, BodyTimeout: bodyTimeout,
		Mount: func(r chi.Router) {
			r.Get("/console/{id}/ws", func(w http.ResponseWriter, r *http.Request) {
				c, err := up.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer c.Close()
				for {
					mt, p, err := c.ReadMessage()
					if err != nil {
						return
					}
					if err := c.WriteMessage(mt, p); err != nil {
						return
					}
				}
			})
		}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeConfig{Listener: ln, TLS: ServerTLSConfig(cert.Cert, nil, false), Handler: h,
			IdleTimeout: bodyTimeout, Grace: time.Second, Logger: logger})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// TestBodyDeadlineSlowPost: a client that sends the headers of a sign-in
// form and then trickles its body is cut off at the body deadline (an
// answer or a closed connection), instead of holding the connection for as
// long as it keeps sending. Without the deadline the server waits for all
// 1000 bytes (100 s at this pace).
func TestBodyDeadlineSlowPost(t *testing.T) {
	addr := serveBodyDeadlineRig(t, 200*time.Millisecond)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST /login HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: https://" + addr +
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=a"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(c, "a"); err != nil {
					return
				}
			}
		}
	}()
	// 10 s bounds a stuck test; it is not a measurement.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatal("slow body still being read after 10 s: no body deadline")
	case err == nil:
		_ = resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("slow body answered %d, want a refusal", resp.StatusCode)
		}
		if !resp.Close {
			// The server must not wait for the rest of the body.
			if _, err := c.Read(make([]byte, 1)); errors.As(err, &ne) && ne.Timeout() {
				t.Error("connection kept open after the refused slow body")
			}
		}
	}
	// Any other error is the connection closed by the server: also a pass.
}

// TestBodyDeadlineSparesWebsocket: the body deadline of a POST does not
// outlive its body: a websocket upgraded later on the same connection,
// then idle for several body deadlines (and idle timeouts), still echoes.
func TestBodyDeadlineSparesWebsocket(t *testing.T) {
	const d = 100 * time.Millisecond
	addr := serveBodyDeadlineRig(t, d)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A form POST first (refused by CSRF, its body read in full), so that
	// the connection had a body deadline set.
	body := "username=a&password=b"
	fmt.Fprintf(c, "POST /login HTTP/1.1\r\nHost: %s\r\nOrigin: https://%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		addr, addr, len(body), body)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Close || br.Buffered() != 0 {
		t.Fatalf("POST without token: %d close=%v buffered=%d", resp.StatusCode, resp.Close, br.Buffered())
	}
	dialer := websocket.Dialer{NetDialTLSContext: func(context.Context, string, string) (net.Conn, error) { return c, nil }}
	ws, _, err := dialer.Dial("wss://"+addr+"/console/x/ws", http.Header{"Origin": {"https://" + addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(10 * d) // idle well past the body deadline and the idle timeout
	if err := ws.WriteMessage(websocket.TextMessage, []byte("still there")); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, p, err := ws.ReadMessage()
	if err != nil || string(p) != "still there" {
		t.Fatalf("websocket after idling: %q %v", p, err)
	}
}

// deadlineRecorder is a ResponseRecorder that records the read deadlines
// set through http.ResponseController.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

// TestBodyDeadlineRoutes: a POST with a body gets a read deadline, cleared
// when its body has been read; the admin API (also before its token
// check) sets one too; a GET (the websocket upgrade) and a POST without a
// body get none.
func TestBodyDeadlineRoutes(t *testing.T) {
	run := func(h http.Handler, method, path, body string, hdr http.Header) []time.Time {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, path, r)
		maps.Copy(req.Header, hdr)
		rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(rec, req)
		return rec.deadlines
	}
	read := BodyDeadline(time.Minute)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) }))
	before := time.Now()
	got := run(read, "POST", "/login", "username=a", nil)
	if len(got) != 2 || !got[0].After(before) || !got[1].IsZero() {
		t.Errorf("POST with a body: deadlines %v, want one set then cleared at its end", got)
	}
	if got := run(read, "GET", "/console/x/ws", "", nil); len(got) != 0 {
		t.Errorf("GET: deadlines %v, want none", got)
	}
	if got := run(read, "POST", "/logout", "", nil); len(got) != 0 {
		t.Errorf("POST without a body: deadlines %v, want none", got)
	}
	admin := NewAdmin(newTestManager(t), "tok", nil)
	for _, hdr := range []http.Header{{"Authorization": {"Bearer tok"}}, nil} {
		got := run(admin, "POST", "/admin/messages", `{"to":"alice","text":"hi"}`, hdr)
		if len(got) == 0 || !got[0].After(before) {
			t.Errorf("admin POST (%v): deadlines %v, want one set", hdr, got)
		}
	}
}
