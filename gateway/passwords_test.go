package gateway

import (
	"testing"
	"time"

	"github.com/psgate/psgate/identity"
)

func TestPasswords(t *testing.T) {
	now := time.Unix(1000, 0)
	p := NewPasswords(time.Hour, func() time.Time { return now })
	alice := identity.Identity{Name: "alice"}
	if _, _, ok := p.Credentials(alice, Target{}); ok {
		t.Fatal("credentials before sign-in")
	}
	p.SignedIn(alice, "pw1")
	if u, pw, ok := p.Credentials(alice, Target{}); !ok || u != "alice" || pw != "pw1" {
		t.Fatalf("after sign-in: %q %q %v", u, pw, ok)
	}
	if _, _, ok := p.Credentials(identity.Identity{Name: "bob"}, Target{}); ok {
		t.Error("bob got alice's credentials")
	}
	p.SignedOut("alice")
	if _, _, ok := p.Credentials(alice, Target{}); ok {
		t.Error("credentials after sign-out")
	}
	p.SignedIn(alice, "pw2")
	now = now.Add(time.Hour + time.Second)
	if _, _, ok := p.Credentials(alice, Target{}); ok {
		t.Error("credentials after the sign-in lifetime")
	}
	if len(p.m) != 0 {
		t.Errorf("expired entry kept: %d", len(p.m))
	}
}
