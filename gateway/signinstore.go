package gateway

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// MessageStoreUnavailable is what a page says when the sign-in store (Redis)
// does not answer: nothing the user did was wrong, and nothing was saved.
const MessageStoreUnavailable = "Sign-in is unavailable right now. Try again shortly."

// storeState is one request's view of its sign-in store calls: failed
// once the unavailable page was written, so nothing else is.
type storeState struct{ failed bool }

// loadAndSave replaces scs's LoadAndSave. scs commits the sign-in session
// when the handler writes its header and, when the commit fails, writes a
// plain 500 itself and lets the handler's page follow (a 500 with the page
// under it, "superfluous WriteHeader", and a line on the standard logger).
// Here a failed load or commit writes the styled 503 page (PageError,
// MessageStoreUnavailable) instead of the handler's response, logs through
// slog and counts psgate_signin_store_errors_total. The store's own
// deadline (session.RedisConfig.Timeout) bounds how long that takes.
func (d *Deps) loadAndSave(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Cookie")
		var token string
		if c, err := r.Cookie(d.Sessions.Cookie.Name); err == nil {
			token = c.Value
		}
		st := &storeState{}
		ctx, err := d.Sessions.Load(context.WithValue(r.Context(), keyStore, st), token)
		if err != nil {
			d.storeUnavailable(w, r, "load", err)
			return
		}
		r = r.WithContext(ctx)
		sw := &commitWriter{ResponseWriter: w, r: r, d: d, st: st}
		next.ServeHTTP(sw, r)
		if !sw.written {
			sw.commit()
		}
	})
}

// commitSignIn saves the request's sign-in session now, before the sign-in
// is audited as done; false means the unavailable page was written.
func (d *Deps) commitSignIn(w http.ResponseWriter, r *http.Request) bool {
	if _, _, err := d.Sessions.Commit(r.Context()); err != nil {
		d.storeUnavailable(w, r, "commit", err)
		return false
	}
	return true
}

// storeUnavailable logs a failed sign-in store call (op: load, commit,
// renew) and writes the 503 page unless this request already has.
func (d *Deps) storeUnavailable(w http.ResponseWriter, r *http.Request, op string, err error) {
	if d.Metrics != nil {
		d.Metrics.StoreError(op)
	}
	d.Logger.Error("sign-in store unavailable", "op", op, "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
	st, _ := r.Context().Value(keyStore).(*storeState)
	if st != nil {
		if st.failed {
			return
		}
		st.failed = true
	}
	if cw, ok := w.(*commitWriter); ok {
		cw.written = true // the handler's own writes are dropped from now on
		w = cw.ResponseWriter
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	page := ErrorPage{RequestID: RequestID(r.Context()), Title: "Sign-in is unavailable", Message: MessageStoreUnavailable}
	if err := d.Pages.Render(w, PageError, page); err != nil {
		d.Logger.Error("render page", "page", PageError, "request_id", page.RequestID, "err", err)
	}
}

// commitWriter commits the sign-in session before the handler's header
// goes out (the cookie is a header); after a failed commit it drops the
// handler's writes, the unavailable page having been written instead.
type commitWriter struct {
	http.ResponseWriter
	r       *http.Request
	d       *Deps
	st      *storeState
	written bool
}

func (cw *commitWriter) commit() bool {
	ctx := cw.r.Context()
	switch cw.d.Sessions.Status(ctx) {
	case scs.Modified:
		token, expiry, err := cw.d.Sessions.Commit(ctx)
		if err != nil {
			cw.d.storeUnavailable(cw.ResponseWriter, cw.r, "commit", err)
			return false
		}
		cw.d.Sessions.WriteSessionCookie(ctx, cw.ResponseWriter, token, expiry)
	case scs.Destroyed:
		cw.d.Sessions.WriteSessionCookie(ctx, cw.ResponseWriter, "", time.Time{})
	}
	return true
}

func (cw *commitWriter) WriteHeader(code int) {
	if cw.st.failed {
		return
	}
	if !cw.written {
		cw.written = true
		if !cw.commit() {
			return
		}
	}
	cw.ResponseWriter.WriteHeader(code)
}

func (cw *commitWriter) Write(b []byte) (int, error) {
	if !cw.written {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.st.failed {
		return len(b), nil
	}
	return cw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the console's
// websocket upgrade hijacks it).
func (cw *commitWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }

// Hijack hands the connection to the console's websocket (gorilla asserts
// http.Hijacker); the sign-in session is not saved by an upgrade.
func (cw *commitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	cw.written = true
	return http.NewResponseController(cw.ResponseWriter).Hijack()
}
