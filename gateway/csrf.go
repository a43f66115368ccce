package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
)

// SessionValues is the part of the cookie session store the gateway uses
// (scs.SessionManager satisfies it).
type SessionValues interface {
	GetString(ctx context.Context, key string) string
	Put(ctx context.Context, key string, val any)
}

const csrfKey = "csrf"

// CSRF is the synchronizer-token and Origin check for state-changing
// requests.
type CSRF struct {
	Values SessionValues
	// Deny answers a rejected request; default a plain 403.
	Deny http.HandlerFunc
}

// Token returns the session's CSRF token, creating it on first use.
func (c *CSRF) Token(ctx context.Context) string {
	if t := c.Values.GetString(ctx, csrfKey); t != "" {
		return t
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	t := base64.RawURLEncoding.EncodeToString(b[:])
	c.Values.Put(ctx, csrfKey, t)
	return t
}

// Valid reports whether token matches the session's token.
func (c *CSRF) Valid(ctx context.Context, token string) bool {
	want := c.Values.GetString(ctx, csrfKey)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// SameOrigin reports whether the request's Origin (or, without one, its
// Referer) names this host. A request with neither is refused.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" || o == "null" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return u.Scheme == "https" && u.Host == r.Host
}

// Middleware refuses every state-changing request (anything but GET, HEAD,
// OPTIONS) that is not same-origin or lacks the session's token in the
// "csrf" form field or X-CSRF-Token header.
func (c *CSRF) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" {
			tok = r.PostFormValue(csrfKey)
		}
		if !SameOrigin(r) || !c.Valid(r.Context(), tok) {
			if c.Deny != nil {
				c.Deny(w, r)
				return
			}
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
