package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStaticNoListings: /static/ serves the named assets and no directory
// listings (issue 12: /static/ and /static/vendor/ listed their files).
func TestStaticNoListings(t *testing.T) {
	h := Static()
	for _, p := range []string{"/static/", "/static/vendor/", "/static/vendor"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code == http.StatusOK || strings.Contains(w.Body.String(), "<a href") {
			t.Errorf("GET %s = %d, a listing:\n%s", p, w.Code, w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/static/vendor/xterm.css", nil))
	if w.Code != http.StatusOK {
		t.Errorf("GET an asset = %d", w.Code)
	}
}
