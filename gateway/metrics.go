package gateway

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Metrics are the gateway's Prometheus counters and gauges, written in the
// text exposition format by hand.
type Metrics struct {
	mu     sync.Mutex
	logins map[string]*atomic.Uint64 // by result
	authz  map[string]*atomic.Uint64 // by decision
	winrm  map[string]*atomic.Uint64 // by error kind
	store  map[string]*atomic.Uint64 // sign-in store failures by operation

	WSBytesIn  atomic.Uint64
	WSBytesOut atomic.Uint64

	// Sessions reports active and disconnected session counts at scrape
	// time (from session.Manager); nil reports nothing.
	Sessions func() (active, disconnected int)
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{logins: map[string]*atomic.Uint64{}, authz: map[string]*atomic.Uint64{}, winrm: map[string]*atomic.Uint64{}, store: map[string]*atomic.Uint64{}}
}

func (m *Metrics) counter(set map[string]*atomic.Uint64, label string) *atomic.Uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := set[label]
	if c == nil {
		c = new(atomic.Uint64)
		set[label] = c
	}
	return c
}

// Login counts a sign-in by result (ok, denied, unavailable (the directory
// could not answer), throttled, invalid, error).
func (m *Metrics) Login(result string) { m.counter(m.logins, result).Add(1) }

// Authz counts an authorization decision (allow, deny, error).
func (m *Metrics) Authz(decision string) { m.counter(m.authz, decision).Add(1) }

// StoreError counts a failed sign-in store call (load, commit, renew): the
// request got the "sign-in is unavailable" page.
func (m *Metrics) StoreError(op string) { m.counter(m.store, op).Add(1) }

// WinRMError counts a WinRM failure by kind.
func (m *Metrics) WinRMError(kind string) { m.counter(m.winrm, kind).Add(1) }

// WriteTo writes the exposition text.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	m.mu.Lock()
	family(&b, "psgate_logins_total", "Sign-ins by result.", "result", m.logins)
	family(&b, "psgate_authz_decisions_total", "Authorization decisions at connect.", "decision", m.authz)
	family(&b, "psgate_winrm_errors_total", "WinRM errors by kind.", "kind", m.winrm)
	family(&b, "psgate_signin_store_errors_total", "Failed sign-in store (Redis) calls by operation; each answered 503.", "op", m.store)
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP psgate_websocket_bytes_total Websocket payload bytes.\n# TYPE psgate_websocket_bytes_total counter\n")
	fmt.Fprintf(&b, "psgate_websocket_bytes_total{direction=\"in\"} %d\npsgate_websocket_bytes_total{direction=\"out\"} %d\n", m.WSBytesIn.Load(), m.WSBytesOut.Load())
	if m.Sessions != nil {
		a, d := m.Sessions()
		fmt.Fprintf(&b, "# HELP psgate_sessions Console sessions by state.\n# TYPE psgate_sessions gauge\n")
		fmt.Fprintf(&b, "psgate_sessions{state=\"active\"} %d\npsgate_sessions{state=\"disconnected\"} %d\n", a, d)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func family(b *strings.Builder, name, help, label string, set map[string]*atomic.Uint64) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s{%s=%q} %d\n", name, label, k, set[k].Load())
	}
}

// ServeHTTP serves /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = m.WriteTo(w)
}
