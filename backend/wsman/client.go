package wsman

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	azntlm "github.com/Azure/go-ntlmssp"
	"github.com/bodgit/ntlmssp"
	ntlmhttp "github.com/bodgit/ntlmssp/http"
)

// Client posts SOAP envelopes to one Endpoint and returns the replies.
// masterzen's transports cannot be given a context, its Encryption uses a
// bare http.Client (no Dial, no TLS settings, no timeouts: a black-holed host
// hangs it forever) and shares NTLM state between concurrent Posts
// (masterzen#142), and every transport ignores a custom path
// (its Endpoint.url() is always /wsman). So this one does Basic, NTLM
// (Azure/go-ntlmssp, as masterzen's ClientNTLM), NTLM with message
// encryption (bodgit/ntlmssp, the same library and wire format as
// masterzen's Encryption) and Kerberos (gokrb5, kerberos.go: one login per
// credential instead of masterzen's ClientKerberos, which logs in for every
// request) over an http.Client we control. Posts on one Client are
// serialised: a console gives its Receive loop a Client of its own, so Send
// never waits for a long-poll, and no NTLM state is ever shared between
// concurrent requests (#142 worked around).
type Client struct {
	mu       sync.Mutex
	url      string
	log      *slog.Logger
	mode     string // "basic", "ntlm", "sealed", "kerberos"
	user     string
	password string
	krb      *Kerberos // kerberos mode: the credential, shared with the console's other Client
	tr       *http.Transport
	client   *http.Client
	session  *ntlmssp.SecuritySession // sealed mode: the current connection's
	dialed   atomic.Bool              // a new connection was opened since the handshake
}

// Buffer sizes of a Client's connection (net/http's default: 4 KiB each).
// A keystroke's Send envelope with its headers fits the write buffer, so it
// leaves in one write.
const (
	transportReadBuffer  = 1 << 10
	transportWriteBuffer = 2 << 10
)

// NewClient makes a Client for e (defaulted and validated here). krb is
// the Kerberos credential for Auth "kerberos" (NewKerberos; one may be
// shared by several Clients, and its owner closes it), nil otherwise. The
// Client keeps its own copy of the password until Close.
func NewClient(e Endpoint, krb *Kerberos) (*Client, error) {
	e.SetDefaults()
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("wsman endpoint %q: %w", e.Host, err)
	}
	mode, err := modeOf(&e, krb)
	if err != nil {
		return nil, err
	}
	return newClient(&e, mode, krb)
}

// modeOf picks the transport for e.Auth.
func modeOf(e *Endpoint, krb *Kerberos) (string, error) {
	switch e.Auth {
	case "basic":
		return "basic", nil
	case "negotiate":
		if e.HTTPS {
			return "ntlm", nil
		}
		return "sealed", nil
	case "kerberos":
		if krb == nil {
			return "", errors.New("auth \"kerberos\": no credential")
		}
		return "kerberos", nil
	}
	return "", fmt.Errorf("auth %q: unsupported", e.Auth)
}

func newClient(cfg *Endpoint, mode string, krb *Kerberos) (*Client, error) {
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
	p := &Client{url: cfg.URL(), log: cfg.Logger, mode: mode, user: cfg.Username, password: cfg.Password, krb: krb}
	if mode == "kerberos" {
		p.password = "" // the gokrb5 client holds the credential
	}
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
		MaxIdleConnsPerHost: 1, // one request at a time per Client: one connection (NTLM binds to it)
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

// Post sends one SOAP envelope and returns the reply body; a non-200 reply
// is a *FaultError. It is bounded by ctx, and waits for a Post in flight on
// the same Client.
func (p *Client) Post(ctx context.Context, body []byte) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case "sealed":
		return p.postSealed(ctx, body)
	case "kerberos":
		return p.postKerberos(ctx, body)
	}
	req, err := p.newRequest(ctx, body)
	if err != nil {
		return nil, err
	}
	// Basic: preemptive. NTLM: the Negotiator reads these credentials and
	// runs the NTLM handshake instead.
	req.SetBasicAuth(p.user, p.password)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	return readReply(resp)
}

func (p *Client) newRequest(ctx context.Context, body []byte) (*http.Request, error) {
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
func (p *Client) postSealed(ctx context.Context, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if p.session == nil || p.dialed.Load() {
			if err := p.handshake(ctx); err != nil {
				return nil, err
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
func (p *Client) handshake(ctx context.Context) error {
	p.session = nil
	p.tr.CloseIdleConnections() // a connection the server already trusts would skip the challenge
	p.log.Debug("wsman ntlm handshake", "url", p.url)
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

func (p *Client) sendSealed(ctx context.Context, body []byte) ([]byte, error) {
	sealed, err := sealBody(p.session, body)
	if err != nil {
		return nil, err
	}
	req, err := p.newRequest(ctx, sealed)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", sealContentType)
	resp, err := p.client.Do(req)
	if err != nil {
		p.session = nil // the RC4 stream may be out of step now
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := readLimited(resp)
	if err != nil {
		p.session = nil
		return nil, err
	}
	if strings.Contains(resp.Header.Get("Content-Type"), `protocol="`+sealProtocol+`"`) {
		if raw, err = unsealBody(p.session, raw); err != nil {
			p.session = nil
			return nil, err
		}
	} else if resp.StatusCode == http.StatusOK {
		return nil, errors.New("reply not encrypted although the request was")
	}
	if resp.StatusCode != http.StatusOK {
		return nil, parseFault(resp.StatusCode, string(raw))
	}
	return raw, nil
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

// maxReply bounds a reply body. A target honours the MaxEnvelopeSize a
// request allows (150–500 KiB) and splits long output over several
// replies; the bound only stops a target that does not, and says so
// (a cut reply used to surface as "XML syntax error … unexpected EOF" or an
// NTLM checksum error after 8 MiB of output in one reply).
const maxReply = 32 << 20

// ErrReplyTooLarge is returned (wrapped) for a reply over maxReply bytes.
var ErrReplyTooLarge = errors.New("wsman reply too large")

// readLimited reads a whole reply body, refusing one over maxReply.
func readLimited(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, fmt.Errorf("reading reply (http %d): %w", resp.StatusCode, err)
	}
	if len(b) > maxReply {
		return nil, fmt.Errorf("reading reply (http %d): over %d bytes: %w", resp.StatusCode, maxReply, ErrReplyTooLarge)
	}
	return b, nil
}

func readReply(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := readLimited(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, parseFault(resp.StatusCode, string(b))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "application/soap+xml") {
		return nil, fmt.Errorf("reply content type %q: not SOAP", ct)
	}
	return b, nil
}

// postKerberos sends body with a fresh Kerberos AP-REQ (kerberos.go):
// Kerberos authenticates each request, not the connection. A 401 (the
// target refused the ticket: e.g. its key changed since the ticket was
// issued) makes the credential log in again and get a new ticket, once; a
// second 401 is the caller's *FaultError (ErrInvalidCredentials).
func (p *Client) postKerberos(ctx context.Context, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		auth, gen, err := p.krb.header(ctx)
		if err != nil {
			return nil, err
		}
		req, err := p.newRequest(ctx, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
		resp, err := p.client.Do(req)
		if err != nil {
			return nil, err
		}
		reply, err := readReply(resp)
		var f *FaultError
		if attempt == 0 && errors.As(err, &f) && f.Status == http.StatusUnauthorized {
			p.log.Debug("wsman kerberos ticket refused, logging in again", "url", p.url)
			if err := p.krb.relogin(ctx, gen); err != nil {
				return nil, err
			}
			continue
		}
		return reply, err
	}
}

// Close drops the idle connections and the Client's copy of the password.
// It waits for a Post in flight (bounded by that Post's deadline). A
// Kerberos credential given to NewClient is its owner's to close.
func (p *Client) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tr.CloseIdleConnections()
	p.password = ""
}
