package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/session"
)

type idleShell struct{}

func (idleShell) Send(string) error               { return nil }
func (idleShell) Interrupt(context.Context) error { return nil }
func (idleShell) Close() error                    { return nil }

// TestSessionAndMsgCLI runs `psgate session …` and `psgate msg` against the
// admin API over a real session.Manager.
func TestSessionAndMsgCLI(t *testing.T) {
	m, err := session.NewManager(session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	open := func(user string) *session.Session {
		s, err := m.Open(context.Background(), session.OpenRequest{User: user, Target: "SRV1", Configuration: "Microsoft.PowerShell"},
			func(context.Context, func(session.Event)) (session.Shell, error) { return idleShell{}, nil })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a1, b1 := open("alice"), open("bob")
	dir := t.TempDir()
	tf := filepath.Join(dir, "token")
	if err := os.WriteFile(tf, []byte("t0k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, addr, err := startAdmin(context.Background(), adminConfig{Listen: "127.0.0.1:0", TokenFile: tf}, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	adm := []string{"--admin-url", "http://" + addr, "--token-file", tf}
	runCLI := func(args ...string) (string, error) { return cli(t, append(args, adm...)...) }

	out, err := runCLI("session", "list")
	if err != nil || !strings.Contains(out, a1.ID()) || !strings.Contains(out, b1.ID()) || !strings.Contains(out, "SESSIONNAME") {
		t.Fatalf("session list: %v\n%s", err, out)
	}
	out, err = runCLI("session", "list", "--user", "alice", "-o", "json")
	var infos []session.Info
	if err != nil || json.Unmarshal([]byte(out), &infos) != nil || len(infos) != 1 || infos[0].ID != a1.ID() {
		t.Fatalf("session list --user alice -o json: %v\n%s", err, out)
	}
	// A user name with terminal escape sequences (title change, screen
	// clear) is shown escaped, not sent raw to the admin's terminal.
	evil := open("\x1b]0;pwned\x07\x1b[2Jmal\tlory\u009b")
	out, err = runCLI("session", "list", "--user", evil.Info().User)
	if err != nil || strings.ContainsAny(out, "\x1b\x07\u009b") || !strings.Contains(out, `\x1b]0;pwned\a\x1b[2Jmal\tlory\u009b`) {
		t.Errorf("session list of a hostile user name: %v\n%q", err, out)
	}
	evil.Exit()
	<-evil.Done()
	if _, err := runCLI("session", "list", "--user", "nobody"); !isNo(err) {
		t.Errorf("session list of nobody: %v, want the no result", err)
	}
	recips := filepath.Join(dir, "to")
	if err := os.WriteFile(recips, []byte("alice\nbob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// No console is open in a browser: msg says so per recipient and
	// exits 1 (it printed nothing and exited 0 before).
	if out, err := runCLI("msg", "@"+recips, "reboot at 5"); !isNo(err) || strings.Count(out, "(alice,") != 1 ||
		strings.Count(out, "(bob,") != 1 || !strings.Contains(out, "not open in a browser") || !strings.Contains(out, "Nobody received") {
		t.Errorf("msg @file, no browser attached: %v\n%s", err, out)
	}
	detach, err := a1.Attach(discardClient{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI("msg", "@"+recips, "reboot at 5"); err != nil || !strings.Contains(out, "(alice,") ||
		!strings.Contains(out, ": shown") || !strings.Contains(out, "(bob,") {
		t.Errorf("msg @file, alice attached: %v\n%s", err, out)
	}
	detach()
	if _, err := runCLI("msg", "nobody", "hi"); !isNo(err) {
		t.Errorf("msg to nobody: %v, want the no result", err)
	}
	if _, err := runCLI("session", "logoff", b1.Info().Name); err != nil {
		t.Errorf("session logoff by name: %v", err)
	}
	<-b1.Done()
	if _, err := runCLI("session", "reset", a1.ID()); err != nil {
		t.Errorf("session reset by id: %v", err)
	}
	<-a1.Done()
	if _, err := runCLI("session", "reset", a1.ID()); !isNo(err) {
		t.Errorf("reset of an ended session: %v, want the no result", err)
	}
	if out, err := cli(t, "session", "list", "--admin-url", "http://"+addr, "--token-file", recips); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v\n%s", err, out)
	}
}

// discardClient is an attached browser that drops what it is sent.
type discardClient struct{}

func (discardClient) Deliver(session.Update) {}
