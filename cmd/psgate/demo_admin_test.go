package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoAdminLineRunsAsPrinted builds the psgate binary, runs `psgate
// demo` as `make run` does, and executes the admin line it prints verbatim
// in a shell (issue 11: it said `psgate session list …`, which failed with
// "command not found" after `make run`).
func TestDemoAdminLineRunsAsPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "psgate bin", "psgate") // a space: the line must quote it
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	demo := exec.CommandContext(ctx, bin, "demo", "--listen", "127.0.0.1:0")
	demo.Stderr = os.Stderr
	out, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = demo.Process.Signal(os.Interrupt); _ = demo.Wait() })
	line := ""
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if l, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Admin API:"); ok {
			line = strings.TrimSpace(l)
			break
		}
	}
	if line == "" {
		t.Fatal("the demo printed no admin line")
	}
	sh := exec.CommandContext(ctx, "sh", "-c", line)
	sh.Dir = t.TempDir() // not the package dir: no psgate there, and none on PATH
	sh.Env = append(os.Environ(), "PATH=/usr/bin:/bin")
	res, err := sh.CombinedOutput()
	// No console is open yet: `session list` answers "no sessions" with
	// exit 1 (nothing found); a line that does not run exits 127 or 2.
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if (code != 0 && code != 1) || !(strings.Contains(string(res), "No sessions") || strings.Contains(string(res), "SESSIONNAME")) {
		t.Fatalf("%s\nexit %d:\n%s", line, code, res)
	}
	t.Logf("%s → exit %d: %s", line, code, strings.TrimSpace(string(res)))
}
