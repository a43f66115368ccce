package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/psgate/psgate/authz"
	"github.com/psgate/psgate/identity/local"
	"github.com/psgate/psgate/internal/testenv"
)

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// startDemo runs `psgate demo` in-process on a free port and returns its URL;
// the command stops (and its temp dir goes) when the test ends.
func startDemo(t *testing.T, password string) demoAddrs {
	t.Helper()
	return startDemoWith(t, demoOptions{password: password})
}

// startDemoWith is startDemo with more options (listen and ready are set here).
func startDemoWith(t *testing.T, o demoOptions) demoAddrs {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan demoAddrs, 1)
	done := make(chan error, 1)
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &testenv.Buffer{}, stderr: &testenv.Buffer{}}
	go func() {
		o.listen = "127.0.0.1:0"
		o.ready = func(u, a, tf string) { urlc <- demoAddrs{base: strings.TrimSuffix(u, "/"), admin: a, tokenFile: tf} }
		done <- runDemo(ctx, e, o)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("demo stopped with %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case u := <-urlc:
		u.stop = stop
		return u
	case err := <-done:
		t.Fatalf("demo did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not start within 30s")
	}
	return demoAddrs{}
}

type demoAddrs struct {
	base, admin, tokenFile string
	stop                   func() // cancels the demo and waits for it
}

// cli runs a psgate command and returns its stdout.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String() + errb.String(), err
}

func demoClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, base, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token in page:\n%s", page)
	}
	return m[1]
}

// signIn signs in and returns the portal page.
func signIn(t *testing.T, c *http.Client, base, user, password string) (int, string) {
	t.Helper()
	_, login := getPage(t, c, base+"/")
	resp, body := postForm(t, c, base, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {user}, "password": {password}})
	return resp.StatusCode, body
}

// TestDemoEndToEnd is the proof that `make run` works: sign in, open a
// session on the published simulator, load the console page and run a
// command over the websocket.
func TestDemoEndToEnd(t *testing.T) {
	d := startDemo(t, "demo-password-1")
	base := d.base
	c := demoClient(t)

	if code, body := signIn(t, c, base, "demo", "wrong-password"); code != http.StatusUnauthorized || !strings.Contains(body, "Access denied") {
		t.Fatalf("bad password: %d, want 401 with Access denied", code)
	}
	code, portal := signIn(t, c, base, "demo", "demo-password-1")
	if code != http.StatusOK || !strings.Contains(portal, "WINSRV01") {
		t.Fatalf("sign-in: %d, portal without the WINSRV01 tile:\n%s", code, portal)
	}
	resp, body := postForm(t, c, base, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "target": {"0"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/") {
		t.Fatalf("open session: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	consoleURL := resp.Request.URL
	id := strings.TrimPrefix(consoleURL.Path, "/console/")
	if !strings.Contains(body, `data-ws="/console/`+id+`/ws"`) {
		t.Fatalf("console page lacks the websocket URL:\n%s", body)
	}
	token := csrfOf(t, strings.Replace(body, `data-csrf="`, `name="csrf" value="`, 1))

	// The session is listed on the portal.
	if _, p := getPage(t, c, base+"/portal"); !strings.Contains(p, "/console/"+id) {
		t.Errorf("portal does not list session %s", id)
	}

	dialer := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Subprotocols: []string{"psgate.v1"}, Jar: c.Jar}
	wsURL := "wss://" + consoleURL.Host + "/console/" + id + "/ws?csrf=" + url.QueryEscape(token)
	ws, wresp, err := dialer.Dial(wsURL, http.Header{"Origin": {base}})
	if err != nil {
		code := 0
		if wresp != nil {
			code = wresp.StatusCode
		}
		t.Fatalf("websocket dial: %v (HTTP %d)", err, code)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]string{"type": "input", "data": "Write-Output hello"}); err != nil {
		t.Fatal(err)
	}
	var sawHello, sawOutput, sawPrompt bool
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for !(sawOutput && sawPrompt) {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("read frame (hello %v output %v prompt %v): %v", sawHello, sawOutput, sawPrompt, err)
		}
		switch f["type"] {
		case "hello":
			sawHello = true
		case "output":
			if s, _ := f["data"].(string); strings.Contains(s, "hello") {
				sawOutput = true
			}
		case "prompt":
			if sawOutput {
				sawPrompt = true
			}
		case "closed", "error":
			t.Fatalf("unexpected frame %v", f)
		}
	}
	if !sawHello {
		t.Error("no hello frame before the output")
	}

	// The admin CLI sees the session and reaches its console.
	adm := []string{"--admin-url", d.admin, "--token-file", d.tokenFile}
	if out, err := cli(t, append([]string{"session", "list", "--user", "demo"}, adm...)...); err != nil || !strings.Contains(out, id) {
		t.Errorf("session list: %v\n%s", err, out)
	}
	if out, err := cli(t, append([]string{"msg", "demo", "maintenance at noon"}, adm...)...); err != nil || !strings.Contains(out, ": shown") {
		t.Errorf("msg: %v\n%s", err, out)
	}
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("read message frame: %v", err)
		}
		if f["type"] == "message" {
			if f["text"] != "maintenance at noon" {
				t.Errorf("message frame %v", f)
			}
			break
		}
	}
	if _, err := cli(t, append([]string{"session", "reset", "no-such-session"}, adm...)...); !isNo(err) {
		t.Errorf("session reset of an unknown session: %v, want the \"no\" result", err)
	}

	// Another user cannot see, end or attach to the session.
	users, err := local.Open(filepath.Join(filepath.Dir(d.tokenFile), "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add("mallory", "mallory-password", nil); err != nil {
		t.Fatal(err)
	}
	other := demoClient(t)
	if code, p := signIn(t, other, base, "mallory", "mallory-password"); code != http.StatusOK {
		t.Fatalf("mallory sign-in: %d", code)
	} else {
		if strings.Contains(p, id) {
			t.Error("mallory's portal lists demo's session")
		}
		if resp, _ := postForm(t, other, base, "/sessions/"+id+"/end", url.Values{"csrf": {csrfOf(t, p)}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("mallory ends demo's session: %d, want 404", resp.StatusCode)
		}
	}
	if code, _ := getPage(t, other, base+"/console/"+id); code != http.StatusNotFound {
		t.Errorf("mallory's console page for demo's session: %d, want 404", code)
	}
	dialer.Jar = other.Jar
	if ws2, _, err := dialer.Dial(wsURL, http.Header{"Origin": {base}}); err == nil {
		ws2.Close()
		t.Error("mallory attached to demo's session")
	}

	// The rules change: the console page and a reconnect are refused.
	rules, err := authz.OpenStore(authz.StoreConfig{Path: filepath.Join(filepath.Dir(d.tokenFile), "AuthorizationRules.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rules.Remove(context.Background(), []int{rules.Policy().Rules()[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := getPage(t, c, base+"/console/"+id); code != http.StatusForbidden || !strings.Contains(body, "Access denied") {
		t.Errorf("console page after the rule was removed: %d, want 403 Access denied", code)
	}
	dialer.Jar = c.Jar
	if ws3, wresp, err := dialer.Dial(wsURL, http.Header{"Origin": {base}}); err == nil {
		ws3.Close()
		t.Error("reconnect allowed after the rule was removed")
	} else if wresp == nil || wresp.StatusCode != http.StatusForbidden {
		t.Errorf("reconnect after the rule was removed: %v, want HTTP 403", err)
	}

	// End it from the portal; the console page is then gone.
	_, p := getPage(t, c, base+"/portal")
	if resp, _ := postForm(t, c, base, "/sessions/"+id+"/end", url.Values{"csrf": {csrfOf(t, p)}}); resp.StatusCode != http.StatusOK {
		t.Errorf("end session: %d", resp.StatusCode)
	}
	if code, _ := getPage(t, c, base+"/console/"+id); code != http.StatusNotFound {
		t.Errorf("console page of an ended session: %d, want 404", code)
	}
}

// TestDemoShutdownClosesConsoles: Ctrl+C (context cancel) with a console
// attached ends the session with a closed frame (reason shutdown), the
// command returns cleanly and the temp dir is gone.
func TestDemoShutdownClosesConsoles(t *testing.T) {
	d := startDemo(t, "demo-password-2")
	c := demoClient(t)
	_, portal := signIn(t, c, d.base, "demo", "demo-password-2")
	resp, body := postForm(t, c, d.base, "/sessions", url.Values{"csrf": {csrfOf(t, portal)}, "target": {"0"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("open session: %d\n%s", resp.StatusCode, body)
	}
	id := strings.TrimPrefix(resp.Request.URL.Path, "/console/")
	token := csrfOf(t, strings.Replace(body, `data-csrf="`, `name="csrf" value="`, 1))
	dialer := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Subprotocols: []string{"psgate.v1"}, Jar: c.Jar}
	ws, _, err := dialer.Dial("wss://"+resp.Request.URL.Host+"/console/"+id+"/ws?csrf="+url.QueryEscape(token), http.Header{"Origin": {d.base}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("first frame %v, %v", hello, err)
	}
	d.stop()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("socket ended without a closed frame: %v", err)
		}
		if f["type"] == "closed" {
			if f["reason"] != "shutdown" {
				t.Errorf("closed frame %v, want reason shutdown", f)
			}
			break
		}
	}
	if _, err := os.Stat(filepath.Dir(d.tokenFile)); !os.IsNotExist(err) {
		t.Errorf("demo temp dir still there: %v", err)
	}
}

// TestDemoOneStepSignIn: the sign-in form may name the target (PSWA's one
// page): the user lands on the console of a new session.
func TestDemoOneStepSignIn(t *testing.T) {
	d := startDemo(t, "demo-password-4")
	c := demoClient(t)
	_, login := getPage(t, c, d.base+"/")
	if !strings.Contains(login, `<option value="0">`) {
		t.Fatalf("sign-in page lacks the published tile:\n%s", login)
	}
	resp, body := postForm(t, c, d.base, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {"demo"},
		"password": {"demo-password-4"}, "target": {"0"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/") || !strings.Contains(body, `id="terminal"`) {
		t.Fatalf("one-step sign-in: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	// A wrong password with a target is still just "Access denied".
	c2 := demoClient(t)
	_, login = getPage(t, c2, d.base+"/")
	resp, body = postForm(t, c2, d.base, "/login", url.Values{"csrf": {csrfOf(t, login)}, "username": {"demo"},
		"password": {"nope"}, "target": {"0"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Access denied") {
		t.Errorf("wrong password with a target: %d", resp.StatusCode)
	}
}
