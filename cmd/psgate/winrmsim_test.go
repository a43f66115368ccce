package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
		done <- run(ctx, []string{"winrm-sim", "--listen", addr, "--user", "alice:pw"}, strings.NewReader(""), &out, &errb)
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
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), ","), `Basic realm="WSMAN"`) {
		t.Fatalf("unauthenticated POST: %d %v", resp.StatusCode, resp.Header)
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
