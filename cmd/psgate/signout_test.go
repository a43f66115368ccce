package main

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/gateway/console"
)

// openConsole opens a session on the published tile and dials its
// websocket; it returns the socket and the session ID.
func openConsole(t *testing.T, c *http.Client, base, portal string) (*websocket.Conn, string) {
	t.Helper()
	resp, body := postForm(t, c, base, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "target": {"0"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/") {
		t.Fatalf("open session: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/")
	return dialConsole(t, c, base, id, strings.Replace(body, `data-csrf="`, `name="csrf" value="`, 1)), id
}

func dialConsole(t *testing.T, c *http.Client, base, id, page string) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Subprotocols: []string{console.Subprotocol}, Jar: c.Jar}
	u := "wss://" + strings.TrimPrefix(base, "https://") + "/console/" + id + "/ws?csrf=" + url.QueryEscape(csrfOf(t, page))
	ws, resp, err := dialer.Dial(u, http.Header{"Origin": {base}})
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("websocket dial: %v (HTTP %d)", err, code)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// readUntil reads frames until one of type typ whose data contains text.
func readUntil(t *testing.T, ws *websocket.Conn, typ, text string) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("waiting for a %s frame with %q: %v", typ, text, err)
		}
		if d, _ := f["data"].(string); f["type"] == typ && strings.Contains(d, text) {
			return
		}
	}
}

// TestSignOutClosesOpenConsoles: signing out closes the consoles opened
// with that sign-in (close code 4401) — a console tab left open must not
// outlive the sign-out — while another browser's console of the same user
// stays; the session is detached, not ended, and reconnects after signing
// in again with the output produced meanwhile.
func TestSignOutClosesOpenConsoles(t *testing.T) {
	d := startDemo(t, "demo-password-1")
	base := d.base
	browser, other := demoClient(t), demoClient(t)
	_, portal := signIn(t, browser, base, "demo", "demo-password-1")
	_, portal2 := signIn(t, other, base, "demo", "demo-password-1")
	ws, id := openConsole(t, browser, base, portal)
	ws2, _ := openConsole(t, other, base, portal2)
	if err := ws.WriteJSON(map[string]string{"type": "input", "data": "Start-Sleep -Milliseconds 300; Write-Output later-5e1f"}); err != nil {
		t.Fatal(err)
	}

	_, page := getPage(t, browser, base+"/portal")
	if resp, _ := postForm(t, browser, base, "/logout", url.Values{"csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var err error
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != console.CloseSignedOut {
		t.Fatalf("after sign-out the console socket ended with %v, want close %d", err, console.CloseSignedOut)
	}

	// The other browser's console is untouched.
	if err := ws2.WriteJSON(map[string]string{"type": "input", "data": "Write-Output still-here"}); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ws2, "output", "still-here")

	// Signed in again, the session is there and replays what it printed.
	_, portal = signIn(t, browser, base, "demo", "demo-password-1")
	if !strings.Contains(portal, "/console/"+id) {
		t.Fatalf("portal after signing in again does not list session %s", id)
	}
	_, page = getPage(t, browser, base+"/console/"+id)
	ws3 := dialConsole(t, browser, base, id, strings.Replace(page, `data-csrf="`, `name="csrf" value="`, 1))
	readUntil(t, ws3, "output", "later-5e1f")
}
