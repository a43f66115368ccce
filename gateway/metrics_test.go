package gateway

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.Login("ok")
	m.Login("denied")
	m.Login("denied")
	m.Authz("allow")
	m.WinRMError("unreachable")
	m.StoreError("load")
	m.WSBytesIn.Add(10)
	m.WSBytesOut.Add(300)
	m.Sessions = func() (int, int) { return 2, 1 }
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := `# HELP psgate_logins_total Sign-ins by result.
# TYPE psgate_logins_total counter
psgate_logins_total{result="denied"} 2
psgate_logins_total{result="ok"} 1
# HELP psgate_authz_decisions_total Authorization decisions at connect.
# TYPE psgate_authz_decisions_total counter
psgate_authz_decisions_total{decision="allow"} 1
# HELP psgate_winrm_errors_total WinRM errors by kind.
# TYPE psgate_winrm_errors_total counter
psgate_winrm_errors_total{kind="unreachable"} 1
# HELP psgate_signin_store_errors_total Failed sign-in store (Redis) calls by operation; each answered 503.
# TYPE psgate_signin_store_errors_total counter
psgate_signin_store_errors_total{op="load"} 1
# HELP psgate_websocket_bytes_total Websocket payload bytes.
# TYPE psgate_websocket_bytes_total counter
psgate_websocket_bytes_total{direction="in"} 10
psgate_websocket_bytes_total{direction="out"} 300
# HELP psgate_sessions Console sessions by state.
# TYPE psgate_sessions gauge
psgate_sessions{state="active"} 2
psgate_sessions{state="disconnected"} 1
`
	if d := cmp.Diff(want, rec.Body.String()); d != "" {
		t.Error(d)
	}
}
