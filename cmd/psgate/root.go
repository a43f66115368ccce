package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// errNo is returned by commands whose answer is "no" (no matching rule,
// nothing found). It maps to exit code 1 and prints nothing more.
var errNo = errors.New("no")

func isNo(err error) bool { return errors.Is(err, errNo) }

// env is what every subcommand gets: its streams and the global flags.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// configPath is --config (default /etc/psgate/psgate.yaml, env PSGATE_CONFIG).
	configPath string
}

// run builds the command tree and executes args. It is the whole CLI, so
// tests call it with buffers.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "psgate",
		Short:         "A browser gateway to Windows PowerShell remoting",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	defCfg := os.Getenv("PSGATE_CONFIG")
	if defCfg == "" {
		defCfg = "/etc/psgate/psgate.yaml"
	}
	root.PersistentFlags().StringVar(&e.configPath, "config", defCfg, "gateway config `file` (env PSGATE_CONFIG)")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newRuleCmd(e),
		newUserCmd(e),
		newMFACmd(e),
		newServeCmd(e),
		newDemoCmd(e),
		newCheckConfigCmd(e),
		newSessionCmd(e),
		newMsgCmd(e),
		newWinRMSimCmd(e),
	)
	root.CompletionOptions.DisableDefaultCmd = true
	return root.ExecuteContext(ctx)
}
