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
		th.fail(`CORP\Alice`, "192.0.2.1", "", now)
	}
	if ok, _, _ := check(th, "alice", "192.0.2.9", now); !ok {
		t.Fatal("throttled within the free failures")
	}
	th.fail("alice@corp", "192.0.2.1", "", now) // third failure, same folded user
	ok, which, wait := check(th, "ALICE", "198.51.100.1", now)
	if ok || which != "user" || wait != time.Second {
		t.Fatalf("after 3rd failure: ok=%v which=%q wait=%v", ok, which, wait)
	}
	th.fail("alice", "192.0.2.1", "", now)
	if _, _, wait := check(th, "alice", "x", now); wait != 2*time.Second {
		t.Errorf("4th failure wait %v, want 2s (doubling)", wait)
	}
	for i := 0; i < 10; i++ {
		th.fail("alice", "192.0.2.2", "", now)
	}
	if _, _, wait := check(th, "alice", "x", now); wait != 8*time.Second {
		t.Errorf("capped wait %v, want 8s", wait)
	}
	if ok, _, _ := check(th, "alice", "x", now.Add(9*time.Second)); !ok {
		t.Error("still throttled after the wait")
	}
	// Other users behind the same NAT address are not blocked by alice's 4
	// failures from 192.0.2.1 (IP limit is higher).
	if ok, _, _ := check(th, "bob", "192.0.2.1", now); !ok {
		t.Error("bob blocked by alice's failures from a shared address")
	}
	th.success("alice")
	if ok, _, _ := check(th, "alice", "203.0.113.1", now); !ok {
		t.Error("success did not clear the user")
	}
}

func TestThrottlePerAddress(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 100, IPFree: 5})
	now := time.Unix(1000, 0)
	for i := 0; i < 6; i++ { // spraying different user names from one address
		th.fail(fmt.Sprintf("user%d", i), "203.0.113.7", "", now)
	}
	ok, which, _ := check(th, "someone", "203.0.113.7", now)
	if ok || which != "address" {
		t.Errorf("spray not throttled: ok=%v which=%q", ok, which)
	}
}

func TestThrottleBoundedMemory(t *testing.T) {
	th := NewThrottle(ThrottleConfig{MaxKeys: 10})
	now := time.Unix(1000, 0)
	for i := 0; i < 100; i++ {
		th.fail(fmt.Sprintf("u%d", i), fmt.Sprintf("10.0.0.%d", i), "", now.Add(time.Duration(i)))
	}
	if n := len(th.keys); n > 10 {
		t.Errorf("%d keys, want <= 10", n)
	}
}

// TestThrottleAdmitCountsInFlight: attempts in flight from one address
// count as failures against IPFree, so a burst over many names gets no
// more binds than the same guesses one by one; a finished attempt frees
// its slot, and sequential attempts are admitted as Check admits them.
func TestThrottleAdmitCountsInFlight(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 100, IPFree: 3})
	now := time.Unix(1000, 0)
	const addr = "203.0.113.7"
	var dones []func()
	for i := range 4 { // IPFree, then the one that would start the back-off
		ok, which, _, done := th.admit(fmt.Sprintf("user%d", i), addr, "", now)
		if !ok {
			t.Fatalf("attempt %d refused (%s) within the budget", i, which)
		}
		dones = append(dones, done)
	}
	ok, which, wait, done := th.admit("user4", addr, "", now)
	if ok || which != "address" || wait != 0 || done != nil {
		t.Fatalf("5th attempt in flight: ok=%v which=%q wait=%v", ok, which, wait)
	}
	if ok, _, _, done := th.admit("user4", "198.51.100.1", "", now); !ok {
		t.Error("another address refused")
	} else {
		done()
	}
	// A success frees its slot (and records nothing against the address).
	th.success("user0")
	dones[0]()
	dones[0]() // idempotent
	ok, _, _, d := th.admit("user5", addr, "", now)
	if !ok {
		t.Fatal("slot of a finished sign-in not freed")
	}
	dones[0] = d
	// Failures replace provisional ones: 2 recorded + 2 in flight (user5,
	// user3) are the whole budget (IPFree+1 = 4 attempts before the
	// back-off); when user5 succeeds, one more may go.
	th.fail("user1", addr, "", now)
	dones[1]()
	th.fail("user2", addr, "", now)
	dones[2]()
	if ok, _, _, _ := th.admit("user6", addr, "", now); ok {
		t.Error("admitted with 2 failures and 2 in flight")
	}
	th.success("user5")
	dones[0]()
	ok, _, _, d = th.admit("user6", addr, "", now)
	if !ok {
		t.Fatal("refused with 2 failures and 1 in flight")
	}
	if ok, _, _, _ := th.admit("user7", addr, "", now); ok {
		t.Error("admitted with 2 failures and 2 in flight")
	}
	d()
	dones[3]()
	if n := len(th.inflight); n != 0 {
		t.Errorf("%d in-flight address entries left, want 0", n)
	}
	// Sequentially nothing changes: after the budget and its back-off, one
	// attempt at a time is admitted.
	for i := range 2 {
		th.fail(fmt.Sprintf("seq%d", i), addr, "", now)
	}
	if ok, which, _, _ := th.admit("x", addr, "", now); ok || which != "address" {
		t.Fatalf("not in back-off after IPFree+1 failures: ok=%v which=%q", ok, which)
	}
	later := now.Add(time.Hour - time.Minute)
	ok, _, _, d = th.admit("x", addr, "", later)
	if !ok {
		t.Fatal("refused after the back-off, nothing in flight")
	}
	if ok, _, _, _ := th.admit("y", addr, "", later); ok {
		t.Error("second attempt in flight admitted past the free failures")
	}
	d()
}

// check is Admit for an attempt that ends at once (none in flight).
func check(th *Throttle, user, addr string, now time.Time) (bool, string, time.Duration) {
	ok, which, wait, done := th.admit(user, addr, "", now)
	if done != nil {
		done()
	}
	return ok, which, wait
}
