package wsman

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/winrmsim"
)

// simClient connects a Client to a simulator with NTLM sealing.
func simClient(t *testing.T) *Client {
	t.Helper()
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "pw"}, Auth: []string{"negotiate"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	e := Endpoint{Host: s.Host(), Port: s.Port(), Username: `WINSRV01\alice`, Password: "pw", ConnectTimeout: 5 * time.Second}
	c, err := NewClient(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

var cmdShell = ShellOptions{ResourceURI: ResourceCmd, OperationTimeout: 5 * time.Second,
	Create:        CreateRequest{InputStreams: "stdin", OutputStreams: "stdout stderr", IdleTimeOut: time.Minute},
	CreateOptions: []Option{{Name: "WINRS_CODEPAGE", Value: "65001"}}}

// receiveAll polls commandID until Done and returns its stdout.
func receiveAll(t *testing.T, ctx context.Context, sh *Shell, commandID string) (string, ReceiveResponse) {
	t.Helper()
	var out bytes.Buffer
	for range 50 {
		r, err := sh.Receive(ctx, commandID, "stdout stderr")
		if err != nil {
			t.Fatalf("receive %s: %v", commandID, err)
		}
		for _, s := range r.Streams {
			out.Write(s.Data)
		}
		if r.Done {
			return out.String(), r
		}
	}
	t.Fatalf("command %s never done; output %q", commandID, out.String())
	return "", ReceiveResponse{}
}

// TestShellSim runs the cmd-shell subset of the Shell's operations over
// HTTP against the simulator: Create, Command, Send, Receive, Signal,
// Delete, and the faults of a deleted shell.
func TestShellSim(t *testing.T) {
	ctx := context.Background()
	c := simClient(t)
	n := 0
	o := cmdShell
	o.NewMessageID = func() string { n++; return fmt.Sprintf("uuid:00000000-0000-4000-8000-%012d", n) }
	sh, err := c.CreateShell(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if sh.ID() == "" || sh.Info().ShellID != sh.ID() {
		t.Fatalf("shell id %q, info %+v", sh.ID(), sh.Info())
	}
	if d, err := ParseDuration(sh.Info().IdleTimeOut); err != nil || d != time.Minute {
		t.Errorf("IdleTimeOut %q = %v, %v; want 1m", sh.Info().IdleTimeOut, d, err)
	}
	id, err := sh.CommandLine(ctx, "cmd /c echo hi")
	if err != nil {
		t.Fatal(err)
	}
	if out, r := receiveAll(t, ctx, sh, id); out != "hi\r\n" || r.ExitCode != 0 || r.CommandID != id {
		t.Errorf("echo: %q %+v", out, r)
	}
	// stdin, then End.
	id, err = sh.CommandLine(ctx, "powershell.exe -Command -")
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Send(ctx, id, "stdin", []byte("Write-Output line1\r\n"), true); err != nil {
		t.Fatal(err)
	}
	if out, r := receiveAll(t, ctx, sh, id); !strings.Contains(out, "line1") || r.ExitCode != 0 {
		t.Errorf("stdin: %q %+v", out, r)
	}
	// A terminate Signal ends a command that waits for input.
	id, err = sh.CommandLine(ctx, "powershell.exe -Command -")
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Signal(ctx, id, SignalTerminate); err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("injected MessageID generator used %d times", n)
	}
	// The Shell on a second Client (a console's Receive loop).
	if _, err := sh.On(c).CommandLine(ctx, "cmd /c exit 7"); err != nil {
		t.Fatal(err)
	}
	if err := sh.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = sh.CommandLine(ctx, "cmd /c echo late")
	if !errors.Is(err, ErrShellNotFound) {
		t.Fatalf("command on a deleted shell: %v, want ErrShellNotFound", err)
	}
	if _, err := sh.Receive(ctx, id, "stdout"); !errors.Is(err, ErrShellNotFound) {
		t.Fatalf("receive on a deleted shell: %v, want ErrShellNotFound", err)
	}
}

// Windows' fault bodies, as recorded (test_psrp_long_running_cmdlet.yml,
// test_psrp_receive_failure.yml) and as the simulator shapes a bad
// resource URI.
const (
	timedOutFault  = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="127.0.0.1"><f:Message>The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`
	selectorsFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the request contained invalid selectors for the resource. </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858843" Machine="127.0.0.1"><f:Message>The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist.</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`
	badURIFault    = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:DestinationUnreachable</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request because the resource URI is not valid.</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858811" Machine="h"><f:Message>The WS-Management service cannot process the request because the resource URI is not valid.</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`
)

// faultServer answers every request 500 with body, over HTTPS with Basic.
func faultServer(t *testing.T, body string) *Client {
	t.Helper()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		w.WriteHeader(500)
		_, _ = w.Write([]byte(body))
	}))
	return serverClient(t, ts)
}

// serverClient is a Client of the httptest TLS server ts (Basic); both are
// closed at the test's end.
func serverClient(t *testing.T, ts *httptest.Server) *Client {
	t.Helper()
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	port, _ := strconv.Atoi(u.Port())
	c, err := NewClient(Endpoint{Host: u.Hostname(), Port: port, HTTPS: true, Insecure: true, Auth: "basic",
		Username: "u", Password: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestShellFaults(t *testing.T) {
	ctx := context.Background()
	psrp := ShellOptions{ResourceURI: PowerShellResourceURI("HelpDesk")}
	// A keep-alive Receive that times out is "no data yet".
	sh, err := faultServer(t, timedOutFault).OpenShell("S", psrp)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sh.Receive(ctx, "", "stdout"); err != nil || len(r.Streams) != 0 || r.Done {
		t.Errorf("timed-out receive: %+v, %v; want empty, nil", r, err)
	}
	sh, _ = faultServer(t, selectorsFault).OpenShell("S", psrp)
	if _, err := sh.Receive(ctx, "C", "stdout"); !errors.Is(err, ErrShellNotFound) {
		t.Errorf("receive of a gone command: %v, want ErrShellNotFound", err)
	}
	if _, err := faultServer(t, badURIFault).CreateShell(ctx, psrp); !errors.Is(err, ErrUnknownConfiguration) ||
		!strings.Contains(err.Error(), "HelpDesk") {
		t.Errorf("create at an unknown configuration: %v, want ErrUnknownConfiguration naming it", err)
	}
	if _, err := (&Client{}).OpenShell("", psrp); err == nil {
		t.Error("OpenShell without an id: no error")
	}
}
