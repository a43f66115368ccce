package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity/local"
)

func TestLocalAuthAdapter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(path, []byte("users: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := local.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Add("demo", "correct horse", []string{"gateway-users"}); err != nil {
		t.Fatal(err)
	}
	var a gateway.Authenticator = localAuth{store: st}
	id, err := a.Authenticate(t.Context(), "DEMO", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(gateway.Identity{Name: "demo", Groups: []string{"gateway-users"}}, id); d != "" {
		t.Error(d)
	}
	_, err = a.Authenticate(t.Context(), "demo", "wrong")
	if !errors.Is(err, local.ErrInvalidCredentials) {
		t.Errorf("wrong password: %v", err)
	}
}
