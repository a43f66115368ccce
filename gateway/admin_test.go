package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/psgate/psgate/session"
)

type nopShell struct{}

func (nopShell) Send(string) error               { return nil }
func (nopShell) Interrupt(context.Context) error { return nil }
func (nopShell) Close() error                    { return nil }

func newTestManager(t *testing.T) *session.Manager {
	t.Helper()
	m, err := session.NewManager(session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m
}

func openTestSession(t *testing.T, m *session.Manager, user string) *session.Session {
	t.Helper()
	s, err := m.Open(context.Background(), session.OpenRequest{User: user, Target: "WINSRV01", Configuration: "Microsoft.PowerShell"},
		func(context.Context, func(session.Event)) (session.Shell, error) { return nopShell{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAdminAPI(t *testing.T) {
	m := newTestManager(t)
	alice := openTestSession(t, m, "alice")
	bob := openTestSession(t, m, "bob")
	srv := httptest.NewServer(NewAdmin(m, "s3cret", nil))
	defer srv.Close()

	do := func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	tests := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"no token", "GET", "/admin/sessions", "", "", http.StatusUnauthorized},
		{"wrong token", "GET", "/admin/sessions", "nope", "", http.StatusUnauthorized},
		{"list", "GET", "/admin/sessions", "s3cret", "", http.StatusOK},
		{"reset unknown", "POST", "/admin/sessions/nope/reset", "s3cret", "", http.StatusNotFound},
		{"message bad body", "POST", "/admin/messages", "s3cret", `{"to":"alice","bogus":1}`, http.StatusBadRequest},
		{"message", "POST", "/admin/messages", "s3cret", `{"to":"alice","text":"hi"}`, http.StatusOK},
		{"logoff bob", "POST", "/admin/sessions/" + bob.ID() + "/logoff", "s3cret", "", http.StatusNoContent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := do(tc.method, tc.path, tc.token, tc.body); code != tc.want {
				t.Errorf("%s %s = %d (%s), want %d", tc.method, tc.path, code, body, tc.want)
			}
		})
	}
	<-bob.Done()

	code, body := do("GET", "/admin/sessions?user=ALICE", "s3cret", "")
	var infos []session.Info
	if err := json.Unmarshal([]byte(body), &infos); err != nil || code != http.StatusOK {
		t.Fatalf("list alice: %d %v %s", code, err, body)
	}
	var ids []string
	for _, in := range infos {
		ids = append(ids, in.ID)
	}
	if diff := cmp.Diff([]string{alice.ID()}, ids); diff != "" {
		t.Errorf("alice's sessions (-want +got):\n%s", diff)
	}
}
