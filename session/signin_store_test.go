package session

import (
	"testing"
	"time"
)

// TestSignInStore: what one gateway commits another finds, under the
// registry's prefix, with the expiry as the key's TTL; a past expiry and
// Delete remove it.
func TestSignInStore(t *testing.T) {
	c, prefix := redisClient(t)
	a := newRedisRegistry(t, c, prefix, nil).SignInStore()
	b := newRedisRegistry(t, c, prefix, nil).SignInStore() // a second gateway
	if _, found, err := b.Find("tok1"); err != nil || found {
		t.Fatalf("Find before Commit = found %v, %v", found, err)
	}
	if err := a.Commit("tok1", []byte("alice"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, found, err := b.Find("tok1")
	if err != nil || !found || string(got) != "alice" {
		t.Fatalf("Find on the other gateway = %q, %v, %v", got, found, err)
	}
	ttl := c.TTL(t.Context(), prefix+"signin:tok1").Val()
	if ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL of %ssignin:tok1 = %v, want (0, 1m]", prefix, ttl)
	}
	if err := a.Commit("tok1", []byte("alice"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Find("tok1"); found {
		t.Error("a commit with a past expiry left the session")
	}
	if err := a.Commit("tok2", []byte("bob"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete("tok2"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := a.Find("tok2"); found {
		t.Error("Delete on one gateway left the session on the other")
	}
}
