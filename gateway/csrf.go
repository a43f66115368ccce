package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
)

// SessionValues is the part of the cookie session store the gateway uses
// (scs.SessionManager satisfies it).
type SessionValues interface {
	GetString(ctx context.Context, key string) string
	Put(ctx context.Context, key string, val any)
}

const csrfKey = "csrf"

// CSRF is the synchronizer-token and Origin check for state-changing
// requests. A signed-in session keeps its token in the sign-in store; the
// sign-in form of a client that has not signed in gets a signed token
// bound to a random cookie instead, so that nothing is stored for it
// (200,000 anonymous GET / once took 227 MB of sessions).
type CSRF struct {
	Values SessionValues
	// Key signs the sign-in form's tokens (HMAC-SHA256). Gateways behind
	// one load balancer need the same key (cmd/psgate shares it through
	// Redis); default a random key for this process.
	Key []byte
	// Deny answers a rejected request; default a plain 403.
	Deny http.HandlerFunc

	once sync.Once
	key  []byte
}

// preSignInCookie holds the random value the sign-in form's token is bound
// to. __Host-: Secure, Path=/, no Domain (no subdomain can plant one).
const preSignInCookie = "__Host-psgate_presignin"

// preSignInPath is the one path a pre-sign-in token is good for.
const preSignInPath = "/login"

func (c *CSRF) signingKey() []byte {
	c.once.Do(func() {
		c.key = c.Key
		if len(c.key) == 0 {
			c.key = make([]byte, 32)
			_, _ = rand.Read(c.key) // crypto/rand.Read never fails
		}
	})
	return c.key
}

// FormToken is the token of a page's forms: the session's when it has one
// (signed in), else a pre-sign-in token signed over the client's
// pre-sign-in cookie, which it sets when missing. It stores nothing.
func (c *CSRF) FormToken(w http.ResponseWriter, r *http.Request) string {
	if t := c.Values.GetString(r.Context(), csrfKey); t != "" {
		return t
	}
	nonce := ""
	if ck, err := r.Cookie(preSignInCookie); err == nil && validNonce(ck.Value) {
		nonce = ck.Value
	} else {
		nonce = randomToken()
		http.SetCookie(w, &http.Cookie{Name: preSignInCookie, Value: nonce, Path: "/", Secure: true, HttpOnly: true,
			SameSite: http.SameSiteStrictMode})
	}
	return c.preSignIn(nonce)
}

func (c *CSRF) preSignIn(nonce string) string {
	m := hmac.New(sha256.New, c.signingKey())
	m.Write([]byte("psgate sign-in form\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validPreSignIn reports whether token is the pre-sign-in token of r's
// cookie, on the sign-in path, for a session without a token of its own.
func (c *CSRF) validPreSignIn(r *http.Request, token string) bool {
	if r.URL.Path != preSignInPath || c.Values.GetString(r.Context(), csrfKey) != "" {
		return false
	}
	ck, err := r.Cookie(preSignInCookie)
	if err != nil || !validNonce(ck.Value) {
		return false
	}
	return hmac.Equal([]byte(c.preSignIn(ck.Value)), []byte(token))
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validNonce: what randomToken makes (43 base64url characters).
func validNonce(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// Token returns the session's CSRF token, creating it on first use (pages
// of a signed-in session; the sign-in form uses FormToken).
func (c *CSRF) Token(ctx context.Context) string {
	if t := c.Values.GetString(ctx, csrfKey); t != "" {
		return t
	}
	t := randomToken()
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
		if !SameOrigin(r) || !(c.Valid(r.Context(), tok) || c.validPreSignIn(r, tok)) {
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
