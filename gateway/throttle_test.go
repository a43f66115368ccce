package gateway

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleBackoff(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 2, IPFree: 5, Base: time.Second, Max: 8 * time.Second})
	now := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		th.Fail(`CORP\Alice`, "192.0.2.1", now)
	}
	if ok, _, _ := th.Check("alice", "192.0.2.9", now); !ok {
		t.Fatal("throttled within the free failures")
	}
	th.Fail("alice@corp", "192.0.2.1", now) // third failure, same folded user
	ok, which, wait := th.Check("ALICE", "198.51.100.1", now)
	if ok || which != "user" || wait != time.Second {
		t.Fatalf("after 3rd failure: ok=%v which=%q wait=%v", ok, which, wait)
	}
	th.Fail("alice", "192.0.2.1", now)
	if _, _, wait := th.Check("alice", "x", now); wait != 2*time.Second {
		t.Errorf("4th failure wait %v, want 2s (doubling)", wait)
	}
	for i := 0; i < 10; i++ {
		th.Fail("alice", "192.0.2.2", now)
	}
	if _, _, wait := th.Check("alice", "x", now); wait != 8*time.Second {
		t.Errorf("capped wait %v, want 8s", wait)
	}
	if ok, _, _ := th.Check("alice", "x", now.Add(9*time.Second)); !ok {
		t.Error("still throttled after the wait")
	}
	// Other users behind the same NAT address are not blocked by alice's 4
	// failures from 192.0.2.1 (IP limit is higher).
	if ok, _, _ := th.Check("bob", "192.0.2.1", now); !ok {
		t.Error("bob blocked by alice's failures from a shared address")
	}
	th.Success("alice")
	if ok, _, _ := th.Check("alice", "203.0.113.1", now); !ok {
		t.Error("success did not clear the user")
	}
}

func TestThrottlePerAddress(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 100, IPFree: 5})
	now := time.Unix(1000, 0)
	for i := 0; i < 6; i++ { // spraying different user names from one address
		th.Fail(fmt.Sprintf("user%d", i), "203.0.113.7", now)
	}
	ok, which, _ := th.Check("someone", "203.0.113.7", now)
	if ok || which != "address" {
		t.Errorf("spray not throttled: ok=%v which=%q", ok, which)
	}
}

func TestThrottleBoundedMemory(t *testing.T) {
	th := NewThrottle(ThrottleConfig{MaxKeys: 10})
	now := time.Unix(1000, 0)
	for i := 0; i < 100; i++ {
		th.Fail(fmt.Sprintf("u%d", i), fmt.Sprintf("10.0.0.%d", i), now.Add(time.Duration(i)))
	}
	if n := len(th.keys); n > 10 {
		t.Errorf("%d keys, want <= 10", n)
	}
}
