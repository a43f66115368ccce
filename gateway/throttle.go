package gateway

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// ThrottleConfig sets the sign-in back-off. Zero values take the defaults.
type ThrottleConfig struct {
	// UserFree is how many failures a user name may have before back-off
	// starts (default 3). Checked before the directory bind, so that
	// guessing can not lock the account in AD.
	UserFree int
	// DeviceFree is how many failures a known device (a browser that
	// signed in as the user before: Attempt.Device) may have before its
	// own back-off starts (default 3). While it has failures to spare, it
	// passes the user's back-off: a guesser cannot keep the account's
	// owner signed out.
	DeviceFree int
	// IPFree is the same per client address (default 20: many users behind
	// one NAT share an address).
	IPFree int
	// Base is the first delay (default 1s); each further failure doubles it
	// up to Max (default 15m).
	Base, Max time.Duration
	// Forget drops a key this long after its last failure (default 1h).
	Forget time.Duration
	// MaxKeys bounds memory (default 100000); the oldest keys go first.
	MaxKeys int
}

func (c *ThrottleConfig) setDefaults() {
	if c.UserFree == 0 {
		c.UserFree = 3
	}
	if c.DeviceFree == 0 {
		c.DeviceFree = 3
	}
	if c.IPFree == 0 {
		c.IPFree = 20
	}
	if c.Base == 0 {
		c.Base = time.Second
	}
	if c.Max == 0 {
		c.Max = 15 * time.Minute
	}
	if c.Forget == 0 {
		c.Forget = time.Hour
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = 100000
	}
}

type strikes struct {
	n     int
	last  time.Time
	until time.Time
}

// Throttle is the per-user and per-address sign-in back-off.
type Throttle struct {
	cfg  ThrottleConfig
	mu   sync.Mutex
	keys map[string]*strikes
	// busy holds one token per user key with a sign-in in flight (Begin).
	busy map[string]*attempt
	// inflight counts, per address key, the sign-ins Admit let through
	// whose done has not run yet.
	inflight map[string]int
}

// attempt is the in-flight sign-in of one user key: a one-token semaphore
// and the number of requests holding or waiting for it.
type attempt struct {
	sem  chan struct{}
	refs int
}

// NewThrottle returns a Throttle with cfg's defaults applied.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	cfg.setDefaults()
	return &Throttle{cfg: cfg, keys: map[string]*strikes{}, busy: map[string]*attempt{}, inflight: map[string]int{}}
}

// NormalizeUser folds a sign-in name so that DOMAIN\Alice, alice@domain,
// ALICE and a DN uid=Alice,ou=people,… count as one key: the account part
// (of a DN: the value of its first RDN, escapes decoded), lower-cased.
// Without the DN fold, every spelling of a DN (attribute case, spaces,
// \XX escapes) was a fresh user key with its own free failures.
//
// The name is first folded as the directory compares names (LDAP's
// caseIgnoreMatch, RFC 4518: compatibility normalisation, full case
// folding, insignificant spaces), so that spellings the directory matches
// to one account — fullwidth ａｌｉｃｅ, ligatures, ß/SS — share one key.
func NormalizeUser(u string) string {
	u = foldName(u)
	if v, ok := firstRDNValue(u); ok {
		return v
	}
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexByte(u, '@'); i >= 0 {
		u = u[:i]
	}
	return u
}

// firstRDNValue returns the value of the first RDN of a DN-looking name
// (attr=value[,…]) with RFC 4514 escapes (\, \XX) decoded and surrounding
// spaces trimmed; ok is false when name has no '=' before its first
// unescaped ',' or a '\' (DOMAIN\user) comes before the '='.
func firstRDNValue(name string) (string, bool) {
	eq := strings.IndexByte(name, '=')
	if eq <= 0 || strings.ContainsAny(name[:eq], `\,@`) {
		return "", false
	}
	var b strings.Builder
	v := name[eq+1:]
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ',' || c == '+' || c == ';':
			return strings.ToLower(strings.TrimSpace(b.String())), true
		case c == '\\' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			b.WriteByte(unhex(v[i+1])<<4 | unhex(v[i+2]))
			i += 2
		case c == '\\' && i+1 < len(v):
			b.WriteByte(v[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return strings.ToLower(strings.TrimSpace(b.String())), true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func userKey(u string) string { return "u:" + NormalizeUser(u) }

func deviceKey(d string) string { return "d:" + d }

// ipKey is the address key: an IPv6 address counts by its /64 (one
// subscriber's prefix; a client rotating addresses inside it is one key).
func ipKey(a string) string {
	if ip, err := netip.ParseAddr(a); err == nil && ip.Is6() && !ip.Is4In6() {
		if p, err := ip.Prefix(64); err == nil {
			return "a:" + p.String()
		}
	}
	return "a:" + a
}

// admit says whether a sign-in by user from addr may go on to the bind now
// (neither key is backing off), made safe under concurrency for the address
// as begin makes it for the user name: the sign-ins from one address that
// are in flight count as provisional failures against its free ones. While
// none is in flight only the back-offs decide; otherwise it lets one
// more through only while recorded failures plus those in flight stay
// within IPFree, so a burst of guesses over many names from one address
// reaches the directory no more often than the same guesses sent one by
// one (IPFree, then the one that starts the back-off). Without it, the
// whole burst passed the back-off check before its first failure was
// recorded. A slot
// is held only during the bind: the caller runs done after fail or
// Success, so users behind one NAT address are limited in how many binds
// run at once (IPFree+1 with no failures), not in how many sign in.
//
// When ok is false, which names the key kind ("user", "device" or "address") and
// wait is the back-off left (0 when the address is refused for the
// sign-ins in flight); done is nil. done is idempotent.
func (t *Throttle) admit(user, addr, device string, now time.Time) (ok bool, which string, wait time.Duration, done func()) {
	ak := ipKey(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.keys[userKey(user)]; s != nil && now.Before(s.until) {
		d := t.keys[deviceKey(device)]
		switch {
		case device == "":
			return false, "user", s.until.Sub(now), nil
		case d != nil && now.Before(d.until):
			return false, "device", d.until.Sub(now), nil
		}
		// a known device with failures to spare passes the user's back-off
	}
	failed := 0
	if s := t.keys[ak]; s != nil {
		if now.Before(s.until) {
			return false, "address", s.until.Sub(now), nil
		}
		if now.Sub(s.last) <= t.cfg.Forget {
			failed = s.n
		}
	}
	if in := t.inflight[ak]; in > 0 && failed+in > t.cfg.IPFree {
		return false, "address", 0, nil
	}
	t.inflight[ak]++
	var once sync.Once
	return true, "", 0, func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.inflight[ak]--; t.inflight[ak] <= 0 {
				delete(t.inflight, ak)
			}
		})
	}
}

// begin serialises the sign-in attempts of one user name (folded like the
// throttle key): it waits until no other attempt for that name is in flight,
// or ctx ends, and returns the function that ends this one. Callers admit
// after begin and end after fail or success, so that parallel guesses each
// see the failures before them: without it, N requests sent at once all
// pass the back-off check before the first failure is recorded, and N binds reach the
// directory (and its lockout counter).
func (t *Throttle) begin(ctx context.Context, user string) (end func(), err error) {
	k := userKey(user)
	t.mu.Lock()
	a := t.busy[k]
	if a == nil {
		a = &attempt{sem: make(chan struct{}, 1)}
		t.busy[k] = a
	}
	a.refs++
	t.mu.Unlock()
	release := func() {
		t.mu.Lock()
		if a.refs--; a.refs == 0 {
			delete(t.busy, k)
		}
		t.mu.Unlock()
	}
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("waiting for the sign-in in flight of %q: %w", user, ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-a.sem; release() }) }, nil
}

// fail records a failed sign-in (and one of the known device, if any).
func (t *Throttle) fail(user, addr, device string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.strike(userKey(user), t.cfg.UserFree, now)
	t.strike(ipKey(addr), t.cfg.IPFree, now)
	if device != "" {
		t.strike(deviceKey(device), t.cfg.DeviceFree, now)
	}
}

// success clears the user's strikes (not the address's: one valid account
// must not reset an attacker's address).
func (t *Throttle) success(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, userKey(user))
}

func (t *Throttle) strike(key string, free int, now time.Time) {
	s := t.keys[key]
	if s == nil || now.Sub(s.last) > t.cfg.Forget {
		if len(t.keys) >= t.cfg.MaxKeys {
			t.evict(now)
		}
		s = &strikes{}
		t.keys[key] = s
	}
	s.n++
	s.last = now
	if s.n > free {
		d := t.cfg.Base
		for i := free + 1; i < s.n && d < t.cfg.Max; i++ {
			d *= 2
		}
		s.until = now.Add(min(d, t.cfg.Max))
	}
}

// evict drops forgotten keys, or the oldest one when none is forgotten.
func (t *Throttle) evict(now time.Time) {
	var oldest string
	var ot time.Time
	for k, s := range t.keys {
		if now.Sub(s.last) > t.cfg.Forget {
			delete(t.keys, k)
			continue
		}
		if oldest == "" || s.last.Before(ot) {
			oldest, ot = k, s.last
		}
	}
	if len(t.keys) >= t.cfg.MaxKeys && oldest != "" {
		delete(t.keys, oldest)
	}
}

// Attempt is one sign-in going through the back-off. Start begins it;
// the caller binds only when Refused is "", then records the outcome with
// Fail or Succeed; End releases it and is always deferred (it is
// idempotent, so it also runs after a panic in the bind).
type Attempt struct {
	t                  *Throttle
	user, addr, device string
	end, done          func()
	// Refused is "" when the bind may go on, else the key kind that backs
	// off ("user", "device" or "address"); Wait is the back-off left (0 when the
	// address is refused for the sign-ins in flight from it).
	Refused string
	Wait    time.Duration
}

// Start begins a sign-in attempt by user from addr: it waits until no
// other attempt for the same (folded) user name is in flight, so parallel
// guesses each see the failures before them, then checks the back-offs
// and counts the attempt among the address's sign-ins in flight. device,
// when not "", names a known device of the user (a verified device
// cookie): it passes the user's back-off while it has failures to spare,
// so that guessing a user's password cannot lock its owner out of the
// gateway; the address back-off still applies. Its error means ctx ended
// while waiting.
func (t *Throttle) Start(ctx context.Context, user, addr, device string, now time.Time) (*Attempt, error) {
	end, err := t.begin(ctx, user)
	if err != nil {
		return nil, err
	}
	a := &Attempt{t: t, user: user, addr: addr, device: device, end: end}
	ok, which, wait, done := t.admit(user, addr, device, now)
	if !ok {
		a.Refused, a.Wait = which, wait
		a.End()
		return a, nil
	}
	a.done = done
	return a, nil
}

// Fail records a failed bind (both keys strike) and ends the attempt.
func (a *Attempt) Fail(now time.Time) {
	a.t.fail(a.user, a.addr, a.device, now)
	a.End()
}

// Succeed clears the user's strikes and ends the attempt.
func (a *Attempt) Succeed() {
	a.t.success(a.user)
	a.End()
}

// End releases the attempt's slot for its address and its user name.
func (a *Attempt) End() {
	if a.done != nil {
		a.done()
	}
	a.end()
}

// foldName is u as a directory's case-ignore match sees it: NFKC, full case
// folding, NFKC again (folding can denormalise), spaces trimmed and runs of
// white space collapsed to one space.
func foldName(u string) string {
	u = norm.NFKC.String(cases.Fold().String(norm.NFKC.String(u)))
	return strings.Join(strings.Fields(u), " ")
}
