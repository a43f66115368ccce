package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/psgate/psgate/audit"
)

// TestSignInDirectoryUnavailable: a directory that cannot answer is no
// failed guess. Many sign-ins during the outage (more than the user's and
// the address's free failures) get the generic page with its request ID
// after the same delay, are audited as 4100 with both names and counted as
// "unavailable"; once the directory is back the user signs in at once.
func TestSignInDirectoryUnavailable(t *testing.T) {
	rig := newSignInRig(t)
	rig.auth.down = true
	const tries = 12 // > UserFree 3 and IPFree 10
	for i := 0; i < tries; i++ {
		code, body := rig.signIn(t, "alice@example.test", "s3cret-pw")
		if code != http.StatusUnauthorized || !strings.Contains(body, MessageAccessDenied) || strings.Contains(body, "refused") {
			t.Fatalf("try %d: %d %q", i, code, body)
		}
		if !strings.Contains(body, "RequestID:") || strings.Contains(body, "RequestID:}") {
			t.Fatalf("try %d: the refused page has no request ID: %q", i, body)
		}
	}
	if rig.sleeps != tries {
		t.Errorf("%d fail delays, want %d (the same delay as a wrong password)", rig.sleeps, tries)
	}
	rig.auth.down = false
	if code, body := rig.signIn(t, "alice", "s3cret-pw"); code != http.StatusOK {
		t.Fatalf("after the outage: %d %q; the outage counted against the back-off", code, body)
	}
	var unavailable, logon int
	for _, l := range strings.Split(strings.TrimSpace(rig.audit.String()), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		switch r.Event {
		case audit.AuthenticationFailure, audit.Throttled:
			t.Errorf("outage audited as %d: %+v", r.Event, r)
		case audit.DirectoryUnavailable:
			unavailable++
			if r.TypedUser != "alice@example.test" || r.RequestID == "" || !strings.Contains(r.Reason, "directory unavailable") {
				t.Errorf("4100 record %+v", r)
			}
		case audit.LogonFailure:
			logon++
		}
	}
	if unavailable != tries || logon != tries {
		t.Errorf("audit: %d × 4100, %d × 261, want %d each", unavailable, logon, tries)
	}
	var m strings.Builder
	_, _ = rig.metrics.WriteTo(&m)
	if !strings.Contains(m.String(), `psgate_logins_total{result="unavailable"} 12`) {
		t.Errorf("metrics:\n%s", m.String())
	}
}

// TestSignInAuditsBothNames: a sign-in by UPN is audited with the typed
// name and the account it resolved to, on success and on failure.
func TestSignInAuditsBothNames(t *testing.T) {
	rig := newSignInRig(t)
	rig.auth.users["bob@example.test"] = "s3cret-pw"
	rig.signIn(t, "bob@example.test", "s3cret-pw")
	rig.signIn(t, "bob@example.test", "wrong")
	for _, l := range strings.Split(strings.TrimSpace(rig.audit.String()), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.TypedUser != "bob@example.test" || r.User == "" {
			t.Errorf("event %d: user %q typed %q, want both", r.Event, r.User, r.TypedUser)
		}
	}
}

// TestSignInRefusesDN: a DN is no sign-in name (Windows takes none, and
// docs/identity.md says so): a field error before any bind.
func TestSignInRefusesDN(t *testing.T) {
	rig := newSignInRig(t)
	code, body := rig.signIn(t, "CN=alice,CN=Users,DC=example,DC=test", "s3cret-pw")
	if code != http.StatusBadRequest || !strings.Contains(body, "Not a valid user name.") || rig.auth.calls != 0 {
		t.Errorf("%d, %d binds: %q", code, rig.auth.calls, body)
	}
}
