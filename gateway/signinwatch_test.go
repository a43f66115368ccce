package gateway

import (
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// TestSignInWatch: a sign-out ends the token's consoles at once; a sign-in
// that disappears from the store (signed out on another gateway, expired)
// ends them at the next recheck; others are left alone, and released
// tokens are forgotten.
func TestSignInWatch(t *testing.T) {
	store := memstore.NewWithCleanupInterval(0)
	sm := scs.New()
	sm.Store = store
	w := newSignInWatch(sm, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	exp := time.Now().Add(time.Hour)
	for _, tok := range []string{"a", "b", "c"} {
		if err := store.Commit(tok, []byte("x"), exp); err != nil {
			t.Fatal(err)
		}
	}

	a1, expA, relA1 := w.watch("a")
	a2, _, relA2 := w.watch("a") // two consoles of one browser
	b, expB, relB := w.watch("b")
	c, _, relC := w.watch("c")
	defer relA1()
	defer relA2()
	defer relB()
	defer relC()

	w.end("a", false) // signed out here
	if !closedWithin(a1, time.Second) || !closedWithin(a2, time.Second) {
		t.Fatal("sign-out did not end both consoles of the sign-in")
	}
	if err := store.Delete("b"); err != nil { // signed out on another gateway
		t.Fatal(err)
	}
	if !closedWithin(b, 10*time.Second) {
		t.Fatal("a sign-in gone from the store did not end its console")
	}
	// A sign-out here closes with "signed out"; a sign-in the store lost
	// (signed out elsewhere, expired, Redis restarted empty) with "expired".
	if expA() || !expB() {
		t.Errorf("expired: signed out here = %v, gone from the store = %v; want false, true", expA(), expB())
	}
	if closedWithin(c, 100*time.Millisecond) {
		t.Fatal("a live sign-in's console was ended")
	}
	relC()
	w.mu.Lock()
	n := len(w.tokens)
	w.mu.Unlock()
	if n != 0 {
		t.Errorf("%d tokens still watched after every console released", n)
	}
	// The sweeper stops when nothing is watched and starts again on demand.
	if err := store.Delete("c"); err != nil {
		t.Fatal(err)
	}
	c2, _, relC2 := w.watch("c")
	defer relC2()
	if !closedWithin(c2, 10*time.Second) {
		t.Fatal("the sweeper did not restart for a new watch")
	}
}
