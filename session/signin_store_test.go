package session

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/psgate/psgate/internal/testenv"
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

// TestRouteRedisLogs: go-redis's own messages (here: dial failures of a
// registry whose Redis is gone) reach the slog logger, not stderr.
func TestRouteRedisLogs(t *testing.T) {
	redisClient(t) // the skip rules of the Redis tests
	var buf testenv.Buffer
	RouteRedisLogs(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { RouteRedisLogs(slog.New(slog.DiscardHandler)) })
	r, err := NewRedisRegistry(RedisConfig{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Ping(t.Context()); err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), `"msg":"redis client"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no redis client log in %q", buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(buf.String(), "127.0.0.1:1") {
		t.Errorf("the log does not name the address: %q", buf.String())
	}
}
