package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// createShell posts a minimal WS-Man Create as alice/pw and returns the status and body.
func createShell(t *testing.T, addr string) (int, string) {
	t.Helper()
	const env = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
		`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header>` +
		`<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Create</a:Action><a:MessageID>uuid:6a8f3c1e-0d3b-4f5e-9a51-3c2d1e0f9a8b</a:MessageID>` +
		`<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI></s:Header>` +
		`<s:Body><rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell></s:Body></s:Envelope>`
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/wsman", strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("alice", "pw")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWinRMSimQuotaFlags(t *testing.T) {
	addr := startWinRMSim(t, "--user", "alice:pw", "--unencrypted", "allowed", "--idle-timeout", "300ms", "--max-operations", "1")
	var st int
	var body string
	if st, body = createShell(t, addr); st != http.StatusOK || !strings.Contains(body, "<rsp:IdleTimeOut>PT0.300S</rsp:IdleTimeOut>") {
		t.Fatalf("create: %d %.600s", st, body)
	}
	if st, body = createShell(t, addr); st != http.StatusInternalServerError || !strings.Contains(body, `Code="2150859174"`) {
		t.Fatalf("second create with --max-operations 1: %d %.600s", st, body)
	}
	// the first shell expires after --idle-timeout, which frees the quota
	deadline := time.Now().Add(20 * time.Second)
	for st, body = createShell(t, addr); st != http.StatusOK; st, body = createShell(t, addr) {
		if time.Now().After(deadline) {
			t.Fatalf("quota never freed by the idle timeout: %d %.300s", st, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWinRMSimNegativeQuotaFlags(t *testing.T) {
	for _, args := range [][]string{{"--idle-timeout", "-1s"}, {"--max-operations", "-2"}} {
		argv := append([]string{"winrm-sim", "--listen", "127.0.0.1:0", "--user", "a:b"}, args...)
		if err := run(context.Background(), argv, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
