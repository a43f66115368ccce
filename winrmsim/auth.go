package winrmsim

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Unencrypted is Windows' AllowUnencrypted as the simulator applies it to
// plain-HTTP requests whose body is not sealed. HTTPS requests are always
// served.
type Unencrypted int

const (
	// UnencryptedBasicOnly (the default) serves Basic over plain HTTP (so
	// clear-text test clients work) but refuses an unsealed body on an
	// NTLM-authenticated connection with 401, as a Windows listener with
	// AllowUnencrypted=false does.
	UnencryptedBasicOnly Unencrypted = iota
	// UnencryptedAllowed is AllowUnencrypted=true: NTLM without sealing is
	// served over plain HTTP too.
	UnencryptedAllowed
	// UnencryptedRefused is AllowUnencrypted=false for every scheme, as on
	// Windows: Basic over plain HTTP is refused (401) as well.
	UnencryptedRefused
)

// normAuth validates Config.Auth: "basic", "negotiate" and its alias
// "ntlm", "kerberos" (kerberos.go).
func normAuth(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range in {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "ntlm" {
			a = "negotiate"
		}
		if a != "basic" && a != "negotiate" && a != "kerberos" {
			return nil, fmt.Errorf("%w: auth scheme %q not supported (basic, negotiate, ntlm, kerberos)", ErrConfig, a)
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Server) authEnabled(scheme string) bool {
	for _, a := range s.cfg.Auth {
		if a == scheme {
			return true
		}
	}
	return false
}

// connAuth is what one TCP connection has proven. NTLM authenticates the
// connection, not the request, as HTTP.sys does for WinRM: the handshake's
// state and its result live here, reached through the request context
// (http.Server.ConnContext), and die with the connection.
type connAuth struct {
	mu      sync.Mutex
	pending *serverChallenge // a CHALLENGE was sent; its AUTHENTICATE is due
	user    string           // NTLM-authenticated user ("" = none)
	sec     *securityContext // signing/sealing, when negotiated
}

func (c *connAuth) reset() {
	c.pending, c.user, c.sec = nil, "", nil
}

type connAuthKey struct{}

func (s *Server) connContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connAuthKey{}, &connAuth{})
}

// connState is the request's connection state; a handler mounted outside
// the simulator's own http.Server gets a fresh one per request, so NTLM
// (which needs the connection) never completes there.
func connState(r *http.Request) *connAuth {
	if c, ok := r.Context().Value(connAuthKey{}).(*connAuth); ok {
		return c
	}
	return &connAuth{}
}

// reqAuth is an authenticated request.
type reqAuth struct {
	user      string
	conn      *connAuth // set when NTLM authenticated the connection
	handshake bool      // this request carried the AUTHENTICATE
	sealed    bool      // the body was sealed: seal the reply
	kerberos  bool      // a Kerberos AP-REQ authenticated this request (kerberos.go)
}

// authenticate returns the request's user, or answers 401 itself (a
// refusal or an NTLM CHALLENGE) and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*reqAuth, bool) {
	if s.cfg.Faults.RejectCredentials {
		s.unauthorized(w, r)
		return nil, false
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case (strings.EqualFold(scheme, "Kerberos") || strings.EqualFold(scheme, "Negotiate") && isKerberosToken(strings.TrimSpace(token))) &&
		s.authEnabled("kerberos"):
		return s.kerberosLeg(w, r, scheme, strings.TrimSpace(token))
	case strings.EqualFold(scheme, "Basic") && s.authEnabled("basic"):
		if user, ok := s.checkBasic(r); ok {
			return &reqAuth{user: user}, true
		}
	case (strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) && s.authEnabled("negotiate"):
		return s.ntlmLeg(w, r, scheme, strings.TrimSpace(token))
	case scheme == "":
		c := connState(r)
		c.mu.Lock()
		user := c.user
		c.mu.Unlock()
		if user != "" {
			return &reqAuth{user: user, conn: c}, true
		}
	}
	s.unauthorized(w, r)
	return nil, false
}

// ntlmLeg handles a NEGOTIATE (answered with a CHALLENGE) or an
// AUTHENTICATE (verified; the request then proceeds).
func (s *Server) ntlmLeg(w http.ResponseWriter, r *http.Request, scheme, token string) (*reqAuth, bool) {
	c := connState(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	msg, err := base64.StdEncoding.DecodeString(token)
	var typ uint32
	if err == nil {
		typ, err = ntlmType(msg)
	}
	switch {
	case err != nil:
		// SPNEGO-wrapped tokens (NegTokenInit) land here: only raw NTLMSSP is built.
		s.cfg.Logger.Info("ntlm refused", "remote", r.RemoteAddr, "error", err)
	case typ == 1:
		neg, err := parseNegotiate(msg)
		if err == nil {
			c.reset()
			c.pending, err = newChallenge(neg, s.cfg.Hostname, time.Now())
		}
		if err != nil {
			s.cfg.Logger.Info("ntlm refused", "remote", r.RemoteAddr, "error", err)
			break
		}
		drain(r)
		w.Header().Del("Content-Type")
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(c.pending.msg))
		w.WriteHeader(http.StatusUnauthorized)
		return nil, false
	case typ == 3 && c.pending != nil:
		ch := c.pending
		c.reset()
		am, err := parseAuthenticate(msg)
		var res ntlmResult
		if err == nil {
			res, err = ch.verify(am, s.lookupUser)
		}
		if err != nil {
			s.cfg.Logger.Info("ntlm refused", "remote", r.RemoteAddr, "error", err)
			break
		}
		c.user, c.sec = res.user, res.sec
		return &reqAuth{user: res.user, conn: c, handshake: true}, true
	default:
		s.cfg.Logger.Info("ntlm refused", "remote", r.RemoteAddr, "error", fmt.Sprintf("message type %d out of order", typ))
	}
	c.reset()
	s.unauthorized(w, r)
	return nil, false
}

// unauthorized answers 401 with an empty body and one WWW-Authenticate per
// enabled scheme, as Windows does.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	drain(r)
	w.Header().Del("Content-Type")     // Windows' 401 is not SOAP (masterzen: "invalid content type")
	w.Header().Del("WWW-Authenticate") // a Kerberos AP-REP set before the request was refused
	if s.authEnabled("negotiate") || s.authEnabled("kerberos") {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if s.authEnabled("kerberos") {
		w.Header().Add("WWW-Authenticate", "Kerberos")
	}
	if s.authEnabled("basic") {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	w.WriteHeader(http.StatusUnauthorized)
}

// drain reads the rest of the body so the connection (and with it the
// NTLM state) survives the reply: net/http closes a connection whose
// handler left more than 256 KiB unread.
func drain(r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBody+1))
}

const maxBody = 4 << 20

// readBody reads the request body, unsealing it on a sealed connection.
// A non-zero status refuses the request: 401 for an unencrypted body the
// Unencrypted policy forbids (the connection's NTLM context is dropped, so
// the client starts a new handshake), 400 for a sealed body that does not
// verify (the context is dropped too: its RC4 streams are out of step).
func (s *Server) readBody(r *http.Request, a *reqAuth) ([]byte, int) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, 0
	}
	if a.conn != nil && isSealed(r.Header.Get("Content-Type")) {
		a.conn.mu.Lock()
		defer a.conn.mu.Unlock()
		plain, err := a.conn.sec.unsealBody(body)
		if err != nil {
			s.cfg.Logger.Info("ntlm unseal failed", "remote", r.RemoteAddr, "user", a.user, "error", err)
			a.conn.reset()
			return nil, http.StatusBadRequest
		}
		a.sealed = true
		return plain, 0
	}
	if r.TLS != nil || a.handshake && len(body) == 0 {
		return body, 0 // HTTPS, or the bodiless last leg of a handshake
	}
	// NTLM and Kerberos (no message encryption here) need AllowUnencrypted.
	negotiated := a.conn != nil || a.kerberos
	if negotiated && s.cfg.Unencrypted != UnencryptedAllowed || !negotiated && s.cfg.Unencrypted == UnencryptedRefused {
		if a.conn != nil {
			a.conn.mu.Lock()
			a.conn.reset()
			a.conn.mu.Unlock()
		}
		return nil, http.StatusUnauthorized
	}
	return body, 0
}

// refuse answers a request readBody refused.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int) {
	if status == http.StatusUnauthorized {
		s.unauthorized(w, r)
		return
	}
	w.WriteHeader(status)
}

// writeReply writes a reply, sealed when the request was.
func (a *reqAuth) writeReply(w http.ResponseWriter, status int, reply string) {
	body := []byte(reply)
	if a.sealed && len(body) > 0 {
		a.conn.mu.Lock()
		if a.conn.sec == nil { // the context was replaced while the request ran
			a.conn.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body = a.conn.sec.sealBody(body)
		a.conn.mu.Unlock()
		w.Header().Set("Content-Type", sealContentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
