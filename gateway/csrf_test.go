package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestCSRFRejections(t *testing.T) {
	sm := scs.New()
	sm.Lifetime = time.Hour
	c := &CSRF{Values: sm}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, c.Token(r.Context())) })
	mux.HandleFunc("POST /act", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
	ts := httptest.NewTLSServer(sm.LoadAndSave(c.Middleware(mux)))
	defer ts.Close()
	cl := ts.Client()
	resp, err := cl.Get(ts.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	tokB, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	tok := string(tokB)
	cookie := resp.Header.Get("Set-Cookie")
	if tok == "" || cookie == "" {
		t.Fatal("no token or cookie")
	}
	cookie = strings.SplitN(cookie, ";", 2)[0]
	origin := ts.URL
	tests := []struct {
		name                 string
		origin, cookie, form string
		want                 int
	}{
		{"valid", origin, cookie, tok, 200},
		{"no token", origin, cookie, "", 403},
		{"wrong token", origin, cookie, tok + "x", 403},
		{"no session", origin, "", tok, 403},
		{"foreign origin", "https://evil.example", cookie, tok, 403},
		{"no origin", "", cookie, tok, 403},
		{"null origin", "null", cookie, tok, 403},
		{"http origin", strings.Replace(origin, "https", "http", 1), cookie, tok, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.URL+"/act", strings.NewReader(url.Values{"csrf": {tt.form}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			resp, err := cl.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
