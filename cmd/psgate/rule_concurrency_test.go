package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/psgate/psgate/authz"
)

// helperEnv carries the psgate arguments of a helper process, separated by
// the ASCII unit separator.
const helperEnv = "PSGATE_RULE_HELPER_ARGS"

// TestRuleHelperProcess is not a test: TestRuleAddConcurrentProcesses
// re-executes the test binary with this test selected, and it then runs one
// psgate invocation as its own process and exits with psgate's exit code.
func TestRuleHelperProcess(t *testing.T) {
	argv := os.Getenv(helperEnv)
	if argv == "" {
		t.Skip("helper process for TestRuleAddConcurrentProcesses")
	}
	err := run(context.Background(), strings.Split(argv, "\x1f"), os.Stdin, os.Stdout, os.Stderr)
	code := 0
	if err != nil {
		code = exitCode(err, os.Stderr)
	}
	os.Exit(code)
}

// TestRuleAddConcurrentProcesses: 4 processes × 250 `psgate rule add` at once
// on one file lose nothing: exactly 1,000 rules with unique Ids 0…999. Every
// add is a separate OS process (a separate lock, read, write and rename).
func TestRuleAddConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 1,000 processes")
	}
	const procs, each = 4, 250
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				args := []string{"rule", "add", "--rules-file", file, "--user", fmt.Sprintf(`EXAMPLE\p%d-u%d`, p, i),
					"--computer", "*", "--configuration", "PswaEndpoint", "-o", "json"}
				cmd := exec.Command(os.Args[0], "-test.run=^TestRuleHelperProcess$")
				cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, "\x1f"))
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("writer %d add %d: %v\n%s", p, i, err, out)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s, err := authz.OpenStore(authz.StoreConfig{Path: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	rules := s.Policy().Rules()
	if len(rules) != procs*each {
		t.Fatalf("%d rules, want %d", len(rules), procs*each)
	}
	users := map[string]bool{}
	for i, r := range rules {
		if r.ID != i {
			t.Fatalf("rule at %d has Id %d: Ids are not unique 0…%d", i, r.ID, procs*each-1)
		}
		users[r.User] = true
	}
	if len(users) != procs*each {
		t.Errorf("%d distinct users, want %d (an add was lost or duplicated)", len(users), procs*each)
	}
}
