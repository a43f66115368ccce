package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
)

// TestWinRMSimDomainUser: `--user 'EXAMPLE\bob:…'` is a domain account,
// reached as Windows reaches one: EXAMPLE\bob, bob@example.test and bob,
// over NTLM and Basic; another domain is refused; a UPN or an empty part
// in the flag is refused with a message that says what to give.
func TestWinRMSimDomainUser(t *testing.T) {
	addr := startWinRMSim(t, "--user", `EXAMPLE\bob:Passw0rd!`, "--auth", "basic,negotiate", "--unencrypted", "allowed")
	status := func(user string, ntlm bool) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/wsman", nil)
		req.SetBasicAuth(user, "Passw0rd!")
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		var rt http.RoundTripper = tr
		if ntlm {
			rt = azntlm.Negotiator{RoundTripper: tr}
		}
		resp, err := (&http.Client{Transport: rt}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, ntlm := range []bool{true, false} {
		for user, want := range map[string]int{`EXAMPLE\bob`: 200, `example\BOB`: 200, "bob@example.test": 200, "bob": 200,
			`OTHER\bob`: 401, "bob@other.test": 401, `EXAMPLE\carol`: 401} {
			if got := status(user, ntlm); got != want {
				t.Errorf("ntlm %v, user %s: %d, want %d", ntlm, user, got, want)
			}
		}
	}
	for flag, want := range map[string]string{"bob@example.test:pw": `NAME or DOMAIN\NAME`, `\bob:pw`: `want NAME or DOMAIN\NAME`} {
		err := run(context.Background(), []string{"winrm-sim", "--listen", "127.0.0.1:0", "--user", flag}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--user %s: %v, want refused saying %q", flag, err, want)
		}
	}
}

// startWinRMSim runs `psgate winrm-sim --listen ADDR ARGS…` on a free
// loopback port until the test ends, and returns ADDR once it accepts.
func startWinRMSim(t *testing.T, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"winrm-sim", "--listen", addr}, args...), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}
