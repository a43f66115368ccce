package winrmsim

import (
	"net/http"
	"sync/atomic"
	"time"
)

// Faults injects failures; the zero value injects none.
type Faults struct {
	Latency           time.Duration // added before every reply
	DropEvery         int           // every Nth authenticated request: connection closed without a reply
	QuotaFault        bool          // every Create fails with the max-shells quota fault 2150859173
	RejectCredentials bool          // every request gets 401 (wrong credentials)
	SlowOutput        SlowOutput    // output trickles: small pieces, one per Receive, each after a pause
	// ExpireShells expires every shell once it has served this many requests
	// (its Create not counted): the shell is deleted and its processes killed;
	// the next request gets the unknown-shell fault 2150858843. Server.ExpireShells
	// does the same on demand.
	ExpireShells int
}

// SlowOutput delivers output in pieces over time. Zero ChunkBytes is off.
type SlowOutput struct {
	ChunkBytes int           // at most this many bytes per Receive reply (a UTF-8 character may be split)
	Every      time.Duration // pause before each Receive reply that carries output or the end
}

// injector applies Faults; it returns true when the request was consumed.
type injector struct {
	f Faults
	n atomic.Int64
}

func (in *injector) before(w http.ResponseWriter) bool {
	if in.f.Latency > 0 {
		time.Sleep(in.f.Latency)
	}
	if in.f.DropEvery > 0 && in.n.Add(1)%int64(in.f.DropEvery) == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return true
			}
		}
	}
	return false
}
