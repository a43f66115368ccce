package ldap

import (
	"runtime"
	"testing"
	"time"
)

// TestNoLeakedGoroutines: after Close, every connection's reader and
// processor goroutines are gone (sign-in connections close at once, pooled
// ones at Close).
func TestNoLeakedGoroutines(t *testing.T) {
	s := samba(t)
	before := runtime.NumGoroutine()
	d, err := New(s.config())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.Authenticate(ctxT(t), `EXAMPLE\bob`, pw); err != nil {
			t.Fatal(err)
		}
		if _, err := d.LookupComputer(ctxT(t), "srv1"); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	var now int
	for range 100 { // goroutines exit asynchronously after Close
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines before, %d after Close:\n%s", before, now, buf[:runtime.Stack(buf, true)])
}
