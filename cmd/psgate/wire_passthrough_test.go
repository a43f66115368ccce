package main

import (
	"testing"
	"time"

	"github.com/psgate/psgate/gateway"
)

func TestPassthrough(t *testing.T) {
	now := time.Unix(1000, 0)
	p := newPassthrough(time.Hour)
	p.now = func() time.Time { return now }
	alice := gateway.Identity{Name: "alice"}
	if _, _, ok := p.creds(alice, gateway.Target{}); ok {
		t.Fatal("credentials before sign-in")
	}
	p.signIn(alice, "pw1")
	if u, pw, ok := p.creds(alice, gateway.Target{}); !ok || u != "alice" || pw != "pw1" {
		t.Fatalf("after sign-in: %q %q %v", u, pw, ok)
	}
	if _, _, ok := p.creds(gateway.Identity{Name: "bob"}, gateway.Target{}); ok {
		t.Error("bob got alice's credentials")
	}
	p.signOut("alice")
	if _, _, ok := p.creds(alice, gateway.Target{}); ok {
		t.Error("credentials after sign-out")
	}
	p.signIn(alice, "pw2")
	now = now.Add(time.Hour + time.Second)
	if _, _, ok := p.creds(alice, gateway.Target{}); ok {
		t.Error("credentials after the sign-in lifetime")
	}
	if len(p.m) != 0 {
		t.Errorf("expired entry kept: %d", len(p.m))
	}
}
