package testenv

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Freezer is a TCP proxy on 127.0.0.1 in front of a test component that
// can stop forwarding: a frozen server (connections accepted, nothing
// answered), the outage a hung domain controller gives. Thaw forwards
// again for new connections.
type Freezer struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

// NewFreezer proxies to target (host:port) until the test ends.
func NewFreezer(t testing.TB, target string) *Freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Freezer{ln: ln, target: target}
	go f.serve()
	t.Cleanup(f.close)
	return f
}

// Addr is the proxy's host:port.
func (f *Freezer) Addr() string { return f.ln.Addr().String() }

// Freeze stops forwarding, on open connections too.
func (f *Freezer) Freeze() { f.set(true) }

// Thaw forwards again (connections opened while frozen stay silent).
func (f *Freezer) Thaw() { f.set(false) }

func (f *Freezer) set(v bool) { f.mu.Lock(); f.frozen = v; f.mu.Unlock() }

func (f *Freezer) isFrozen() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.frozen }

func (f *Freezer) track(c net.Conn) { f.mu.Lock(); f.conns = append(f.conns, c); f.mu.Unlock() }

func (f *Freezer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.track(c)
		if f.isFrozen() {
			continue // accepted, never answered
		}
		up, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.track(up)
		go f.pipe(up, c)
		go f.pipe(c, up)
	}
}

// pipe copies until frozen (then it swallows the bytes) or closed.
func (f *Freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if f.isFrozen() {
			_, _ = io.Copy(io.Discard, src)
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (f *Freezer) close() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}
