package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// signInWatch ends the consoles of a sign-in when the sign-in ends: at once
// when the user signs out on this gateway, and within recheck when it ended
// elsewhere (signed out on another gateway sharing the Redis store) or its
// absolute lifetime ran out. Without it an open console tab would outlive
// the sign-out — on a shared computer, the next person could type into it.
type signInWatch struct {
	sessions *scs.SessionManager
	recheck  time.Duration
	logger   *slog.Logger

	mu       sync.Mutex
	tokens   map[string]*watched
	sweeping bool // a sweep goroutine runs (while tokens is not empty)
}

type watched struct {
	done    chan struct{}
	users   int  // consoles watching the token
	expired bool // ended because the store no longer has it (set before done closes)
}

func newSignInWatch(sm *scs.SessionManager, recheck time.Duration, logger *slog.Logger) *signInWatch {
	if recheck <= 0 {
		recheck = 30 * time.Second
	}
	return &signInWatch{sessions: sm, recheck: recheck, logger: logger, tokens: map[string]*watched{}}
}

// watch returns a channel closed when the sign-in of token ends, a func
// telling (after the close) whether it expired rather than was signed out
// here, and the function to call when the console no longer needs it.
func (w *signInWatch) watch(token string) (<-chan struct{}, func() bool, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.tokens[token]
	if e == nil {
		e = &watched{done: make(chan struct{})}
		w.tokens[token] = e
	}
	e.users++
	if !w.sweeping {
		w.sweeping = true
		go w.sweep()
	}
	var once sync.Once
	expired := func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return e.expired
	}
	return e.done, expired, func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			if e.users--; e.users == 0 && w.tokens[token] == e {
				delete(w.tokens, token)
			}
		})
	}
}

// end closes the channel of token's consoles: expired false for a sign-out
// here, true when the store no longer has the sign-in.
func (w *signInWatch) end(token string, expired bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.tokens[token]; e != nil {
		e.expired = expired
		close(e.done)
		delete(w.tokens, token)
	}
}

// sweep looks every recheck for watched sign-ins that no longer exist in
// the store; it stops when nothing is watched.
func (w *signInWatch) sweep() {
	t := time.NewTicker(w.recheck)
	defer t.Stop()
	for range t.C {
		w.mu.Lock()
		if len(w.tokens) == 0 {
			w.sweeping = false
			w.mu.Unlock()
			return
		}
		tokens := make([]string, 0, len(w.tokens))
		for tok := range w.tokens {
			tokens = append(tokens, tok)
		}
		w.mu.Unlock()
		for _, tok := range tokens {
			if !w.exists(tok) {
				w.end(tok, true)
			}
		}
	}
}

// exists reports whether the sign-in of token is still in the store; a
// store that cannot answer keeps the consoles (logged).
func (w *signInWatch) exists(token string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var found bool
	var err error
	if cs, ok := w.sessions.Store.(scs.CtxStore); ok {
		_, found, err = cs.FindCtx(ctx, token)
	} else {
		_, found, err = w.sessions.Store.Find(token)
	}
	if err != nil {
		w.logger.Warn("checking a console's sign-in", "err", err)
		return true
	}
	return found
}
