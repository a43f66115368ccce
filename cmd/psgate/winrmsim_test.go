package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
)

func TestWinRMSimCommand(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"winrm-sim", "--verbose", "--listen", addr, "--user", "alice:pw", "--auth", "basic,negotiate",
			"--unencrypted", "allowed"}, strings.NewReader(""), &out, &errb)
	}()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		resp, err = http.Post("http://"+addr+"/wsman", "application/soap+xml", strings.NewReader(""))
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || strings.Join(resp.Header.Values("WWW-Authenticate"), ",") != `Negotiate,Basic realm="WSMAN"` {
		t.Fatalf("unauthenticated POST: %d %v", resp.StatusCode, resp.Header)
	}
	// An NTLM handshake (the Negotiator turns the Basic credentials into NTLM).
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/wsman", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(`WINSRV01\alice`, "pw")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err = (&http.Client{Transport: azntlm.Negotiator{RoundTripper: tr}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("NTLM handshake: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "wsman request") {
		t.Fatalf("no request log line: %q", errb.String())
	}
}

func TestWinRMSimBadUser(t *testing.T) {
	err := run(context.Background(), []string{"winrm-sim", "--listen", "127.0.0.1:0", "--user", "nopass"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("--user without password accepted")
	}
}

func TestWinRMSimBadFlags(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.keytab")
	if err := os.WriteFile(junk, []byte("not a keytab"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string // the error names the flag or the problem
	}{
		{[]string{"--auth", "kerberos"}, "--auth kerberos needs --keytab"},
		{[]string{"--auth", "kerberos", "--keytab", "/nonexistent.keytab"}, "/nonexistent.keytab"},
		{[]string{"--auth", "kerberos", "--keytab", junk}, "keytab"},
		{[]string{"--auth", "digest"}, "digest"},
		{[]string{"--unencrypted", "sometimes"}, "sometimes"},
	} {
		argv := append([]string{"winrm-sim", "--listen", "127.0.0.1:0", "--user", "a:b"}, tt.args...)
		err := run(context.Background(), argv, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want one naming %q", tt.args, err, tt.want)
		}
	}
}
