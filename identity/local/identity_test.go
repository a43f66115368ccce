package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/identity/local"
)

func TestAuthenticator(t *testing.T) {
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
	a := st.Authenticator()
	id, err := a.Authenticate(t.Context(), "DEMO", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(identity.Identity{Name: "demo", Provider: identity.ProviderLocal, Typed: "DEMO",
		Groups: []identity.Group{{Name: "gateway-users", Security: true}}}, id); d != "" {
		t.Error(d)
	}
	_, err = a.Authenticate(t.Context(), "demo", "wrong")
	if !errors.Is(err, local.ErrInvalidCredentials) {
		t.Errorf("wrong password: %v", err)
	}
}
