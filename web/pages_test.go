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
		{gateway.PageLogin, gateway.LoginPage{CSRF: "t", AllowFreeTarget: true, Errors: map[string]string{"port": "Port must be a number from 1 to 65535."}},
			`<span class="field-error" id="port-error">Port must be a number from 1 to 65535.</span>`},
		{gateway.PageLogin, gateway.LoginPage{CSRF: "t", AllowFreeTarget: true, Fields: gateway.LoginFields{ConnectionURI: "https://h:5986/wsman", UseURI: true}},
			`name="uri" value="https://h:5986/wsman"`},
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
