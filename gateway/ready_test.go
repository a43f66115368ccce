package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadyzFrozenCheck: /readyz answers within a second while a check
// hangs (a frozen DC): with the last probe's verdict, or "probe running"
// before the first one; the hung probe's failure shows once it ends.
func TestReadyzFrozenCheck(t *testing.T) {
	release := make(chan error)
	var frozen atomic.Bool
	r := newReadiness([]ReadyCheck{{Name: "directory", Check: func(ctx context.Context) error {
		if !frozen.Load() {
			return nil
		}
		select {
		case err := <-release:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}}}, slog.New(slog.DiscardHandler))
	get := func() (int, string, time.Duration) {
		start := time.Now()
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		return w.Code, w.Body.String(), time.Since(start)
	}
	if code, body, took := get(); code != http.StatusOK || took > time.Second {
		t.Fatalf("healthy: %d %q after %v", code, body, took)
	}
	frozen.Store(true)
	for i := 0; i < 3; i++ {
		if code, body, took := get(); code != http.StatusOK || took > time.Second {
			t.Fatalf("frozen, request %d: %d %q after %v; want the last verdict within a second", i, code, body, took)
		}
	}
	release <- errors.New("connection timed out")
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body, _ := get()
		if code == http.StatusServiceUnavailable && strings.Contains(body, "not ready: directory") && !strings.Contains(body, "timed out") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the failed probe: %d %q", code, body)
		}
		select {
		case release <- errors.New("connection timed out"):
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestReadyzFirstProbe: before any probe finished, a hung check answers
// 503 within a second.
func TestReadyzFirstProbe(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	r := newReadiness([]ReadyCheck{{Name: "directory", Check: func(ctx context.Context) error {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil
	}}}, slog.New(slog.DiscardHandler))
	start := time.Now()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable || time.Since(start) > time.Second {
		t.Errorf("%d %q after %v", w.Code, w.Body.String(), time.Since(start))
	}
}
