package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/identity/local"
)

// userCLI runs `psgate user …` with stdin and returns stdout, stderr, err.
func userCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"user"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestUserCLI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users.yaml")
	f := "--users-file=" + file
	steps := []struct {
		name, stdin string
		args        []string
		wantErr     bool
		wantNo      bool
		wantOut     string
	}{
		{"list of a missing file", "", []string{"list", f}, true, false, ""},
		{"add", "s3cret-pass\n", []string{"add", "alice", "--group", "gateway-users", "--group", "admins", "--password-stdin", f}, false, false, "user alice added"},
		{"add bcrypt, prompt", "other-pass\nother-pass\n", []string{"add", "bob", "--bcrypt", f}, false, false, "user bob added"},
		{"add prompt mismatch", "one-pass-1\ntwo-pass-2\n", []string{"add", "carol", f}, true, false, ""},
		{"add duplicate", "s3cret-pass\n", []string{"add", "ALICE", "--password-stdin", f}, true, false, ""},
		{"add short password", "short\n", []string{"add", "dave", "--password-stdin", f}, true, false, ""},
		{"add bad name", "s3cret-pass\n", []string{"add", "a b", "--password-stdin", f}, true, false, ""},
		{"list", "", []string{"list", f}, false, false, "alice  argon2id  false     gateway-users,admins"},
		{"passwd", "new-pass-123\n", []string{"passwd", "alice", "--password-stdin", f}, false, false, "password of alice changed"},
		{"passwd unknown", "new-pass-123\n", []string{"passwd", "nobody", "--password-stdin", f}, true, true, ""},
		{"remove", "", []string{"remove", "bob", f}, false, false, "user bob removed"},
		{"remove again", "", []string{"remove", "bob", f}, true, true, ""},
		{"bad output", "", []string{"list", "-o", "xml", f}, true, false, ""},
	}
	for _, st := range steps {
		out, _, err := userCLI(t, st.stdin, st.args...)
		if (err != nil) != st.wantErr || isNo(err) != st.wantNo {
			t.Fatalf("%s: err = %v, want error %v (no %v)", st.name, err, st.wantErr, st.wantNo)
		}
		if !strings.Contains(out, st.wantOut) {
			t.Fatalf("%s: stdout %q lacks %q", st.name, out, st.wantOut)
		}
		if strings.Contains(out, "$argon2id$") || strings.Contains(out, "$2a$") || strings.Contains(out, "-pass") {
			t.Fatalf("%s: stdout %q shows a hash or password", st.name, out)
		}
	}
	out, _, err := userCLI(t, "", "list", "-o", "json", f)
	if err != nil {
		t.Fatal(err)
	}
	var got []local.User
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := []local.User{{Name: "alice", Groups: []string{"gateway-users", "admins"}, Algorithm: "argon2id"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("list -o json (-want +got):\n%s", d)
	}
	s, err := local.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate("alice", "new-pass-123"); err != nil {
		t.Errorf("alice with the new password: %v", err)
	}
	if _, err := s.Authenticate("alice", "s3cret-pass"); !errors.Is(err, local.ErrInvalidCredentials) {
		t.Errorf("alice with the old password: %v", err)
	}
}

func TestUserCLIEnvFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "env-users.yaml")
	t.Setenv("PSGATE_USERS_FILE", file)
	if _, _, err := userCLI(t, "env-pass-1\n", "add", "erin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	s, err := local.Open(file)
	if err != nil {
		t.Fatalf("PSGATE_USERS_FILE not used: %v", err)
	}
	if _, err := s.Authenticate("erin", "env-pass-1"); err != nil {
		t.Fatal(err)
	}
}
