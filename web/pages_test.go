package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/psgate/psgate/gateway"
)

func TestRenderGatewayPages(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		page string
		data any
		want string
	}{
		{gateway.PageLogin, gateway.LoginPage{CSRF: "tok1", Errors: map[string]string{"": "Access denied"}}, `name="csrf" value="tok1"`},
		{gateway.PageLogin, gateway.LoginPage{CSRF: "t", RequestID: "req-42", Errors: map[string]string{"": "Access denied"}}, `Request ID: <code>req-42</code>`},
		{gateway.PageLogin, gateway.LoginPage{CSRF: "t", AllowFreeTarget: true, Errors: map[string]string{"port": "Port must be a number from 1 to 65535."}},
			`<span class="field-error" id="port-error">Port must be a number from 1 to 65535.</span>`},
		{gateway.PageLogin, gateway.LoginPage{CSRF: "t", AllowFreeTarget: true, Fields: gateway.LoginFields{ConnectionURI: "https://h:5986/wsman", UseURI: true}},
			`name="uri" value="https://h:5986/wsman"`},
		{gateway.PageSecond, gateway.SecondPage{User: "alice", CSRF: "tok3"}, `name="code"`},
		{gateway.PageSecond, gateway.SecondPage{User: "alice", CSRF: "t", Enrol: true, QR: "data:image/png;base64,iVBO", Secret: "JBSWY3DP", NeedAdminCode: true},
			`src="data:image/png;base64,iVBO"`},
		{gateway.PageSecond, gateway.SecondPage{User: "alice", CSRF: "t", Enrol: true, NeedAdminCode: true}, `name="admin_code"`},
		{gateway.PageSecond, gateway.SecondPage{User: "alice", CSRF: "t", Recovery: []string{"ABCD-EFGH-IJKL-MNOP"}}, `<code>ABCD-EFGH-IJKL-MNOP</code>`},
		{gateway.PagePortal, gateway.PortalPage{User: "demo", CSRF: "tok2", Published: []gateway.PublishedTarget{{ID: "0", Name: "WINSRV01"}}}, `name="target" value="0"`},
		{gateway.PageDenied, gateway.DeniedPage{RequestID: "rid", Message: "Access denied"}, "rid"},
		{gateway.PageError, gateway.ErrorPage{RequestID: "rid2", Message: "No such session."}, "No such session."},
		{gateway.PageConsole, gateway.ConsolePage{SessionID: "s1", CSRF: "c", SessionName: "demo.1"}, `data-ws="/console/s1/ws"`},
	}
	for _, tc := range tests {
		t.Run(tc.page, func(t *testing.T) {
			var b strings.Builder
			if err := r.Render(&b, tc.page, tc.data); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, tc.want) {
				t.Errorf("page %s lacks %q:\n%s", tc.page, tc.want, out)
			}
			if strings.Contains(out, "<style") || strings.Contains(out, " style=") || strings.Contains(out, "<script>") {
				t.Errorf("page %s has inline style or script", tc.page)
			}
		})
	}
	if err := r.Render(&strings.Builder{}, "nope", nil); err == nil {
		t.Error("unknown page rendered")
	}
}

func TestStaticCache(t *testing.T) {
	rec := httptest.NewRecorder()
	Static().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/app.css", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("GET /static/app.css = %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
}

// newSessionForm is the portal's new-session form (the tiles are forms too).
func newSessionForm(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<form method="post" action="/sessions" autocomplete="off">`)
	if i < 0 {
		t.Fatalf("no new-session form:\n%s", page)
	}
	return page[i : i+strings.Index(page[i:], "</form>")]
}

func TestRenderPortalNewSessionForm(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	defaults := gateway.LoginFields{ConfigurationName: "Demo.Conf", ApplicationName: "WSMAN", Port: "5985", SSLPort: "5986"}
	published := []gateway.PublishedTarget{{ID: "0", Name: "WINSRV01"}}
	render := func(p gateway.PortalPage) string {
		t.Helper()
		var b strings.Builder
		if err := r.Render(&b, gateway.PagePortal, p); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); strings.Contains(out, "<style") || strings.Contains(out, " style=") || strings.Contains(out, "<script>") {
			t.Error("portal has inline style or script")
		}
		return newSessionForm(t, b.String())
	}

	form := render(gateway.PortalPage{User: "demo", CSRF: "tok", AllowFreeTarget: true, Published: published, Defaults: defaults,
		Fields: gateway.LoginFields{Authentication: "negotiate", UseSSL: true}})
	for _, name := range []string{"csrf", "target", "use_uri", "computer", "uri", "alt_username", "alt_password", "configuration",
		"authentication", "use_ssl", "port", "application", "allow_redirection"} {
		if !strings.Contains(form, ` name="`+name+`"`) {
			t.Errorf("new-session form has no field named %q", name)
		}
	}
	for _, want := range []string{`<summary>Optional connection settings</summary>`, `placeholder="Demo.Conf"`,
		`placeholder="5985 (5986 with SSL)"`, `<option value="negotiate" selected>`, `<option value="1" selected>Yes</option>`,
		`<option value="">— the computer below —</option>`, `<option value="0">WINSRV01</option>`, `<details>`} {
		if !strings.Contains(form, want) {
			t.Errorf("new-session form lacks %s", want)
		}
	}

	// allow_free_target false: a tile with destination credentials only.
	form = render(gateway.PortalPage{User: "demo", CSRF: "tok", Published: published, Defaults: defaults,
		Errors: map[string]string{"alt_username": "Not a valid user name."}})
	for _, name := range []string{"target", "alt_username", "alt_password"} {
		if !strings.Contains(form, ` name="`+name+`"`) {
			t.Errorf("allow_free_target false: no field named %q", name)
		}
	}
	for _, name := range []string{"use_uri", "computer", "uri", "configuration", "authentication", "use_ssl", "port", "application", "allow_redirection"} {
		if strings.Contains(form, ` name="`+name+`"`) {
			t.Errorf("allow_free_target false renders the %q field", name)
		}
	}
	for _, want := range []string{`<details open>`, `aria-describedby="alt_username-error"`,
		`<span class="field-error" id="alt_username-error">Not a valid user name.</span>`} {
		if !strings.Contains(form, want) {
			t.Errorf("allow_free_target false: form lacks %s", want)
		}
	}
	if strings.Contains(form, `<option value="">`) {
		t.Error("allow_free_target false offers an empty tile choice")
	}

	var b strings.Builder
	if err := r.Render(&b, gateway.PagePortal, gateway.PortalPage{User: "demo", CSRF: "tok"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `action="/sessions"`) {
		t.Error("a portal with neither free targets nor tiles has a new-session form")
	}
}

// TestRenderCapPage: the session-cap page is the portal with the limit
// said plainly and each session with Open and End; every portal has the
// product header and "Started" as a <time> the script localises.
func TestRenderCapPage(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	rows := []gateway.SessionRow{
		{ID: "a1", Name: "demo.261204.101500", Target: "WINSRV01", State: "active", Started: "2026-12-04 10:15 UTC", StartedISO: "2026-12-04T10:15:00Z"},
		{ID: "b2", Name: "demo.261204.101600", Target: "WINSRV02", State: "disconnected"},
	}
	var b strings.Builder
	if err := r.Render(&b, gateway.PagePortal, gateway.PortalPage{User: "demo", CSRF: "tok", Sessions: rows, CapReached: true, SessionCap: 2}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<span class="brand">PowerShell Web Access</span>`,
		"Session limit reached.", "You have 2 sessions open; this gateway allows 2 per user.",
		`href="/console/a1">Open</a>`, `action="/sessions/a1/end"`, `href="/console/b2">Open</a>`, `action="/sessions/b2/end"`,
		`<td class="row-actions">`, `<time datetime="2026-12-04T10:15:00Z" data-local-time>2026-12-04 10:15 UTC</time>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("cap page lacks %s", want)
		}
	}
	b.Reset()
	if err := r.Render(&b, gateway.PagePortal, gateway.PortalPage{User: "demo", CSRF: "tok", Sessions: rows}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Session limit reached") {
		t.Error("the plain portal says the session limit was reached")
	}
}
