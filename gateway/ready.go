package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// readiness answers /readyz from the last finished probe of the checks. A
// request starts a probe in the background when none is running and waits
// for it at most answerWait; a probe stuck on a frozen directory (each
// check keeps its own timeout) therefore never holds a load balancer's
// request longer than that, and the answer is the last probe's verdict.
type readiness struct {
	checks     []ReadyCheck
	timeout    time.Duration // bound on one probe (all checks)
	answerWait time.Duration
	logger     *slog.Logger

	mu      sync.Mutex
	last    error         // the verdict of the last finished probe
	probed  bool          // a probe has finished
	running chan struct{} // closed when the probe in flight ends; nil when none
}

// errNoProbeYet is the answer before the first probe finished.
var errNoProbeYet = errors.New("probe running")

func newReadiness(checks []ReadyCheck, logger *slog.Logger) *readiness {
	return &readiness{checks: checks, timeout: 5 * time.Second, answerWait: 750 * time.Millisecond, logger: logger}
}

// check returns the verdict: that of a probe started now when it ends
// within answerWait, else the last one.
func (r *readiness) check(ctx context.Context) error {
	done := r.start()
	t := time.NewTimer(r.answerWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.probed {
		return errNoProbeYet
	}
	return r.last
}

// start begins a probe unless one is running; it returns its done channel.
func (r *readiness) start() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		return r.running
	}
	done := make(chan struct{})
	r.running = done
	go func() {
		err := r.probe()
		r.mu.Lock()
		r.last, r.probed, r.running = err, true, nil
		r.mu.Unlock()
		close(done)
	}()
	return done
}

// probe runs every check in turn, detached from any request.
func (r *readiness) probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	for _, ch := range r.checks {
		if err := ch.Check(ctx); err != nil {
			r.logger.Warn("not ready", "check", ch.Name, "err", err)
			return notReady{check: ch.Name, err: err}
		}
	}
	return nil
}

// ServeHTTP serves /readyz: the failed check's name only, never its error.
func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	err := r.check(req.Context())
	var nr notReady
	switch {
	case err == nil:
		_, _ = w.Write([]byte("ready\n"))
	case errors.As(err, &nr):
		http.Error(w, "not ready: "+nr.check, http.StatusServiceUnavailable)
	default:
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
	}
}

// notReady is a failed check of a probe.
type notReady struct {
	check string
	err   error
}

func (e notReady) Error() string { return e.check + ": " + e.err.Error() }
func (e notReady) Unwrap() error { return e.err }
