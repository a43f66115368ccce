// Command psgate is the PowerShell Web Access gateway: one binary for the
// HTTPS gateway (serve, demo), the authorization-rule admin CLI (rule …),
// local accounts (user …), session tools (session …, msg) and the WinRM
// simulator (winrm-sim).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(exitCode(err, os.Stderr))
	}
}

// exitCode prints err (unless it is a silent "no" result) and returns the
// process exit code: 1 for ErrNo, 2 for every other error.
func exitCode(err error, stderr io.Writer) int {
	if isNo(err) {
		return 1
	}
	fmt.Fprintln(stderr, "psgate:", err)
	return 2
}
