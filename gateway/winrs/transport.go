package winrs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
	"github.com/bodgit/ntlmssp"
	ntlmhttp "github.com/bodgit/ntlmssp/http"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// poster sends one SOAP envelope and returns the reply body. A non-200
// reply is a *FaultError. Every call is bounded by ctx.
type poster interface {
	post(ctx context.Context, msg *soap.SoapMessage) (string, error)
	close()
}

// httpPoster is our own winrm.Transporter. masterzen's transports cannot be
// given a context, its Encryption uses a bare http.Client (no Dial, no TLS
// settings, no timeouts: a black-holed host hangs it forever) and shares NTLM
// state between concurrent Posts (masterzen#142), and every transport ignores
// a custom path (Endpoint.url() is always /wsman). So this one does Basic,
// NTLM (Azure/go-ntlmssp, as masterzen's ClientNTLM) and NTLM with message
// encryption (bodgit/ntlmssp, the same library and wire format as
// masterzen's Encryption) over an http.Client we control. Posts on one
// httpPoster are serialised (mu): the console gives its Receive loop a
// poster of its own, so Send never waits for a long-poll, and no NTLM state is
// ever shared between concurrent requests (#142 worked around).
type httpPoster struct {
	mu       sync.Mutex
	url      string
	mode     string // "basic", "ntlm", "sealed"
	user     string
	password string
	tr       *http.Transport
	client   *http.Client
	session  *ntlmssp.SecuritySession // sealed mode: the current connection's
	dialed   atomic.Bool              // a new connection was opened since the handshake
}

var _ winrm.Transporter = (*httpPoster)(nil)

// Buffer sizes of a poster's connection (net/http's default: 4 KiB each).
// A keystroke's Send envelope with its headers fits the write buffer, so it
// leaves in one write.
const (
	transportReadBuffer  = 1 << 10
	transportWriteBuffer = 2 << 10
)

func newHTTPPoster(cfg *Config, mode string) (*httpPoster, error) {
	tlsCfg := &tls.Config{
		InsecureSkipVerify: cfg.Insecure, //nolint:gosec // operator's explicit choice
		ServerName:         cfg.TLSServerName,
		MinVersion:         tls.VersionTLS12,
	}
	if len(cfg.CACertPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CACertPEM) {
			return nil, errors.New("ca certificates: no PEM certificate found")
		}
		tlsCfg.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	p := &httpPoster{url: cfg.endpointURL(), mode: mode, user: cfg.Username, password: cfg.Password}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				p.dialed.Store(true)
			}
			return c, err
		},
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: cfg.ConnectTimeout,
		MaxIdleConnsPerHost: 1, // one request at a time per poster: one connection (NTLM binds to it)
		// An idle console's control connection is dropped after a while (a
		// Send reconnects); the receive connection is never idle.
		IdleConnTimeout:   30 * time.Second,
		ForceAttemptHTTP2: false,
		// Every console keeps two connections (control and receive) for
		// its whole life, so their bufio buffers are most of its memory
		// (docs/PERFORMANCE.md). Reads and writes of a reply or envelope larger
		// than the buffer go straight to the TLS connection, which frames
		// records of its own; measured: no loss of round trip or throughput.
		ReadBufferSize:  transportReadBuffer,
		WriteBufferSize: transportWriteBuffer,
	}
	p.tr = tr
	var rt http.RoundTripper = tr
	if mode == "ntlm" {
		rt = &azntlm.Negotiator{RoundTripper: tr}
	}
	p.client = &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // never follow a redirect with credentials
	}}
	return p, nil
}

// Transport implements winrm.Transporter; the poster is configured already.
func (p *httpPoster) Transport(*winrm.Endpoint) error { return nil }

// Post implements winrm.Transporter for callers holding only a
// winrm.Client; it is bounded by a generous default deadline.
func (p *httpPoster) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.post(ctx, msg)
}

func (p *httpPoster) post(ctx context.Context, msg *soap.SoapMessage) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	body := []byte(msg.String())
	if p.mode == "sealed" {
		return p.postSealed(ctx, body)
	}
	req, err := p.newRequest(ctx, body)
	if err != nil {
		return "", err
	}
	// Basic: preemptive. NTLM: the Negotiator reads these credentials and
	// runs the NTLM handshake instead.
	req.SetBasicAuth(p.user, p.password)
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	return readReply(resp)
}

func (p *httpPoster) newRequest(ctx context.Context, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, r)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", p.url, err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.Header.Set("User-Agent", "psgate WinRM client")
	// Let net/http resend the request on a fresh connection when a kept-alive
	// one turns out to be closed by the server before it read anything (a nil
	// value marks it replayable without sending the header).
	req.Header["Idempotency-Key"] = nil
	return req, nil
}

// postSealed sends body sealed with NTLM (seal.go). Like pywinrm, and
// unlike masterzen's Encryption (which runs a new handshake per Post and
// gets no security session at all when the server already trusts the
// connection), the handshake runs once per TCP connection and its security
// session (sequence numbers, RC4 state) is kept for the following requests:
// NTLM authenticates the connection, not the request. A new connection
// (idle timeout, server restart) is noticed by the dialer; the request is
// then answered 401 and is sent again after a fresh handshake.
func (p *httpPoster) postSealed(ctx context.Context, body []byte) (string, error) {
	for attempt := 0; ; attempt++ {
		if p.session == nil || p.dialed.Load() {
			if err := p.handshake(ctx); err != nil {
				return "", err
			}
		}
		reply, err := p.sendSealed(ctx, body)
		var f *FaultError
		if attempt == 0 && errors.As(err, &f) && f.Status == http.StatusUnauthorized && p.dialed.Load() {
			p.session = nil
			continue
		}
		return reply, err
	}
}

// handshake runs NTLM on a new connection (an empty-body POST, as masterzen
// and pywinrm do) and keeps its security session.
func (p *httpPoster) handshake(ctx context.Context) error {
	p.session = nil
	p.tr.CloseIdleConnections() // a connection the server already trusts would skip the challenge
	user, domain := splitUser(p.user)
	nc, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(user, p.password), ntlmssp.SetDomain(domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		return fmt.Errorf("ntlm client: %w", err)
	}
	hc, err := ntlmhttp.NewClient(p.client, nc)
	if err != nil {
		return fmt.Errorf("ntlm http client: %w", err)
	}
	req, err := p.newRequest(ctx, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReply))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return parseFault(resp.StatusCode, "")
	}
	if p.session = nc.SecuritySession(); p.session == nil {
		return errors.New("ntlm handshake: no security session (server did not negotiate sealing)")
	}
	p.dialed.Store(false)
	return nil
}

func (p *httpPoster) sendSealed(ctx context.Context, body []byte) (string, error) {
	sealed, err := sealBody(p.session, body)
	if err != nil {
		return "", err
	}
	req, err := p.newRequest(ctx, sealed)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", sealContentType)
	resp, err := p.client.Do(req)
	if err != nil {
		p.session = nil // the RC4 stream may be out of step now
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		p.session = nil
		return "", fmt.Errorf("reading reply (http %d): %w", resp.StatusCode, err)
	}
	if strings.Contains(resp.Header.Get("Content-Type"), `protocol="`+sealProtocol+`"`) {
		if raw, err = unsealBody(p.session, raw); err != nil {
			p.session = nil
			return "", err
		}
	} else if resp.StatusCode == http.StatusOK {
		return "", errors.New("reply not encrypted although the request was")
	}
	if resp.StatusCode != http.StatusOK {
		return "", parseFault(resp.StatusCode, string(raw))
	}
	return string(raw), nil
}

func splitUser(u string) (user, domain string) {
	if d, n, ok := strings.Cut(u, `\`); ok {
		return n, d
	}
	if n, d, ok := strings.Cut(u, "@"); ok {
		return n, d
	}
	return u, ""
}

// maxReply bounds a reply body (MaxEnvelopeSize is 150 KiB; leave room).
const maxReply = 8 << 20

func readReply(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return "", fmt.Errorf("reading reply (http %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", parseFault(resp.StatusCode, string(b))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "application/soap+xml") {
		return "", fmt.Errorf("reply content type %q: not SOAP", ct)
	}
	return string(b), nil
}

// close drops the idle connections and the password. It waits for a post
// in flight (bounded by that post's deadline).
func (p *httpPoster) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tr.CloseIdleConnections()
	p.password = ""
}

// krbPoster posts through masterzen's ClientKerberos, which takes no
// context: the Post runs in a goroutine and the caller stops waiting at the
// deadline. The goroutine itself ends at the endpoint's
// ResponseHeaderTimeout (OperationTimeout + ConnectTimeout) or the 30 s dial
// timeout inside masterzen, so it is bounded but may outlive the caller.
type krbPoster struct {
	client *winrm.Client
	tr     winrm.Transporter
}

func (k *krbPoster) post(ctx context.Context, msg *soap.SoapMessage) (string, error) {
	type result struct {
		body string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := k.tr.Post(k.client, msg)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && strings.Contains(r.err.Error(), "request returned: ") {
			return "", &FaultError{Status: statusFromKrb(r.err.Error()), Reason: r.err.Error()}
		}
		if r.err != nil {
			return "", krbCategory(r.err)
		}
		return r.body, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func statusFromKrb(s string) int {
	var code int
	if i := strings.Index(s, "request returned: "); i >= 0 {
		_, _ = fmt.Sscanf(s[i+len("request returned: "):], "%d", &code)
	}
	return code
}

// krbErrorCategory maps the KDC error codes (RFC 4120 7.5.9) that say
// something about the user's credential or the target's name rather than
// the KDC's availability.
func krbErrorCategory(code int) error {
	switch code {
	case 6, // KDC_ERR_C_PRINCIPAL_UNKNOWN
		18, // KDC_ERR_CLIENT_REVOKED: disabled, locked out or expired
		23, // KDC_ERR_KEY_EXPIRED: password expired or must change
		24, // KDC_ERR_PREAUTH_FAILED: wrong password
		31: // KRB_AP_ERR_BAD_INTEGRITY: reply not decryptable with the password's key
		return ErrInvalidCredentials
	case 7: // KDC_ERR_S_PRINCIPAL_UNKNOWN: no account has the SPN
		return ErrUnknownComputer
	case 12: // KDC_ERR_POLICY (e.g. logon hours, workstation restriction)
		return ErrAccessDenied
	}
	return nil
}

// krbCategory wraps a gokrb5 KDC error, or its failure to reach a KDC,
// with its category. masterzen formats gokrb5's errors with %v, so only
// their text survives ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED ..."); any
// other error is returned as it is (and classify calls a remaining KDC
// error "no logon servers").
func krbCategory(err error) error {
	s := err.Error()
	if strings.Contains(s, "Networking_Error") && strings.Contains(s, "KDC") {
		// gokrb5 could not reach any KDC of the realm: its "connection
		// refused" is the KDC's, not the target's (classify would say
		// ErrUnreachable).
		return fmt.Errorf("%w: %w", ErrNoLogonServers, err)
	}
	i := strings.Index(s, "KRB Error: (")
	if i < 0 {
		return err
	}
	var code int
	if _, scanErr := fmt.Sscanf(s[i+len("KRB Error: ("):], "%d)", &code); scanErr != nil {
		return err
	}
	if cat := krbErrorCategory(code); cat != nil {
		return fmt.Errorf("%w: kerberos error %d: %w", cat, code, err)
	}
	return err
}

func (k *krbPoster) close() {}

func newKrbPoster(cfg *Config, params *winrm.Parameters) (*krbPoster, error) {
	proto := "http"
	if cfg.HTTPS {
		proto = "https"
	}
	if cfg.Path != "/wsman" {
		return nil, fmt.Errorf("kerberos: path %q: masterzen's ClientKerberos only posts to /wsman", cfg.Path)
	}
	tr := winrm.NewClientKerberos(&winrm.Settings{
		WinRMUsername: cfg.Username, WinRMPassword: cfg.Password, WinRMHost: cfg.Host, WinRMPort: cfg.Port,
		WinRMProto: proto, WinRMInsecure: cfg.Insecure, KrbRealm: cfg.Realm, KrbConfig: cfg.KrbConf,
		KrbSpn: cfg.SPN,
	})
	p := *params
	p.TransportDecorator = func() winrm.Transporter { return tr }
	ep := winrm.NewEndpoint(cfg.Host, cfg.Port, cfg.HTTPS, cfg.Insecure, cfg.CACertPEM, nil, nil,
		cfg.OperationTimeout+cfg.ConnectTimeout)
	ep.TLSServerName = cfg.TLSServerName
	c, err := winrm.NewClientWithParameters(ep, cfg.Username, cfg.Password, &p)
	if err != nil {
		return nil, fmt.Errorf("kerberos client for %s: %w", cfg.Host, err)
	}
	return &krbPoster{client: c, tr: tr}, nil
}

// newPoster picks the transport for cfg.Auth.
func newPoster(cfg *Config, params *winrm.Parameters) (poster, error) {
	switch cfg.Auth {
	case "basic":
		return newHTTPPoster(cfg, "basic")
	case "negotiate":
		if cfg.HTTPS {
			return newHTTPPoster(cfg, "ntlm")
		}
		return newHTTPPoster(cfg, "sealed")
	case "kerberos":
		return newKrbPoster(cfg, params)
	}
	return nil, fmt.Errorf("auth %q: unsupported", cfg.Auth)
}
