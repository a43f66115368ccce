package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// updateRuleGolden rewrites testdata/rule/*.golden; -update (if another test
// file of this package defines it) does too.
var updateRuleGolden = flag.Bool("update-rule", false, "rewrite testdata/rule golden files")

func wantUpdate() bool {
	if *updateRuleGolden {
		return true
	}
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// cliResult is one psgate invocation as a golden file records it.
type cliResult struct {
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// runRule runs `psgate rule ARGS… --rules-file FILE` with buffers.
func runRule(t *testing.T, file string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"rule"}, args...)
	args = append(args, "--rules-file", file)
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	code := 0
	if err != nil {
		code = exitCode(err, &errb)
	}
	return cliResult{out.String(), strings.ReplaceAll(errb.String(), file, "RULES"), code}
}

// TestRuleCLI runs a scripted admin session; each step's output is a golden
// file under testdata/rule/.
func TestRuleCLI(t *testing.T) {
	t.Setenv("PSGATE_RULES_FILE", "")
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	steps := []struct {
		golden string
		args   []string
		code   int
	}{
		{"get-missing", []string{"get"}, 1},
		{"add-allow-all-refused", []string{"add", "*", "*", "*"}, 2},
		{"add-partial-wildcard", []string{"add", "--user", `EXAMPLE\web*`, "--computer", "*", "--configuration", "x"}, 2},
		{"add-no-configuration", []string{"add", "--user", `EXAMPLE\alice`, "--computer", "*"}, 2},
		{"add-doc-endpoint", []string{"add", "*", "*", "PswaEndpoint"}, 0},
		{"add-doc-level1", []string{"add", "--user-group", `EXAMPLE\Level1Support`, "--computer", "*", "--configuration", "PswaEndpoint", "--name", "L1"}, 0},
		{"add-doc-admins", []string{"add", "--user-group", `EXAMPLE\Admins`, "--computer", "*", "--configuration", "*", "--name", "admins"}, 0},
		{"add-multi-user", []string{"add", "--user", `EXAMPLE\alice`, "--user", `EXAMPLE\bob`, "--computer", "srv1.example.test", "--configuration", "*", "--name", "ops"}, 0},
		{"add-ip-json", []string{"add", "--user", `PSWASERVER\chrisLocal`, "--computer", "[2001:DB8::0:1]", "--configuration", "Microsoft.PowerShell", "-o", "json"}, 0},
		// One bad name among several: nothing is added (one atomic write or none).
		{"add-multi-one-bad", []string{"add", "--user", `EXAMPLE\carol`, "--user", `\bad`, "--computer", "*", "--configuration", "E"}, 2},
		{"get-all", []string{"get"}, 0},
		{"get-by-name", []string{"get", "--name", "OPS", "--id", "9"}, 0},
		{"get-xml", []string{"get", "--id", "1", "-o", "xml"}, 0},
		{"test-match", []string{"test", "--user", `example\ALICE`, "--computer", "SRV1.example.test.", "--configuration", "PswaEndpoint"}, 0},
		{"test-explain-group", []string{"test", "--user", `EXAMPLE\carol`, "--member-of", `EXAMPLE\Level1Support`, "--uri", "https://srv2.example.test:5986/wsman", "--explain"}, 1},
		{"test-ignore-computer", []string{"test", "--user", `EXAMPLE\bob`, "--computer", "*", "--configuration", "*"}, 0},
		{"test-no-match", []string{"test", "--user", `EXAMPLE\mallory`, "--computer", "srv1"}, 1},
		{"test-json-explain", []string{"test", "--user", `EXAMPLE\bob`, "--computer", "srv1.example.test", "--explain", "-o", "json"}, 0},
		// The admin believes rule 3 is bob's: refused, nothing removed.
		{"remove-stale-refused", []string{"remove", "--id", "3", "--expect-user", `EXAMPLE\bob`}, 2},
		{"remove-guarded", []string{"remove", "--id", "4", "--expect-user", `example\bob`, "--expect-name", "ops"}, 0},
		// Id 4 is free again and the next add takes it (PSWA's lowest free Id).
		{"add-reuses-id", []string{"add", "--user", `EXAMPLE\dave`, "--computer", "*", "--configuration", "E1"}, 0},
		// A second "remove 4" from the old listing would now hit dave's rule: the guard refuses.
		{"remove-stale-after-reuse", []string{"remove", "--id", "4", "--expect-user", `EXAMPLE\bob`}, 2},
		{"update-config", []string{"update", "--id", "4", "--configuration", "E2", "--expect-user", `EXAMPLE\dave`}, 0},
		{"update-allow-all-refused", []string{"update", "--id", "0", "--configuration", "*"}, 2},
		{"remove-by-name", []string{"remove", "--name", "ops"}, 0},
		{"get-final", []string{"get"}, 0},
	}
	for _, st := range steps {
		got := runRule(t, file, st.args...)
		if got.code != st.code {
			t.Errorf("%s: exit %d, want %d\n%s", st.golden, got.code, st.code, got)
		}
		checkGolden(t, st.golden, got.String())
	}
	// The file we wrote is a valid PSWA rules file with a backup beside it.
	if _, err := os.Stat(file + ".bak"); err != nil {
		t.Error(err)
	}
}

// TestRuleCLIBadFile checks that `rule get` and `rule add` report a file
// that does not load, and that add leaves it untouched.
func TestRuleCLIBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	bad := "<Rules><Rule><Id>3</Id><UserType>Usr</UserType></Rule></Rules>\n"
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bad-file-get", runRule(t, file, "get").String())
	checkGolden(t, "bad-file-add", runRule(t, file, "add", "--user", `D\u`, "--computer", "*", "--configuration", "*").String())
	if data, _ := os.ReadFile(file); string(data) != bad {
		t.Errorf("bad file was rewritten:\n%s", data)
	}
}

// TestRuleCLIPSWAFile reads a file PSWA wrote (SIDs as canonical forms).
func TestRuleCLIPSWAFile(t *testing.T) {
	data, err := os.ReadFile("testdata/rule/pswa-written.xml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "pswa-get", runRule(t, file, "get").String())
	// Without a directory the caller's SID is unknown: SID rules are invalid,
	// reported as such, and the everyone-rule still matches.
	checkGolden(t, "pswa-test-invalid", runRule(t, file, "test", "--user", `EXAMPLE\alice`, "--computer", "srv2", "--configuration", "PswaEndpoint").String())
	checkGolden(t, "pswa-test-sid", runRule(t, file, "test", "--user", "S-1-5-21-1004336348-1177238915-682003330-1105",
		"--member-of", "S-1-5-21-1004336348-1177238915-682003330-1201", "--computer", "srv2", "--configuration", "Other").String())
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "rule", name+".golden")
	if wantUpdate() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run with -update-rule)", name, err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestRulesFilePath(t *testing.T) {
	e := &env{}
	t.Setenv("PSGATE_RULES_FILE", "")
	if got := rulesFilePath(e, ""); got != defaultRulesFile {
		t.Errorf("default: %q", got)
	}
	t.Setenv("PSGATE_RULES_FILE", "/env/rules.xml")
	if got := rulesFilePath(e, ""); got != "/env/rules.xml" {
		t.Errorf("env: %q", got)
	}
	if got := rulesFilePath(e, "/flag.xml"); got != "/flag.xml" {
		t.Errorf("flag: %q", got)
	}
}
