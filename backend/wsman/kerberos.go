package wsman

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Kerberos is one Kerberos credential (a console's), shared by the Clients
// given it: a gokrb5 client that logs in once (AS exchange) at the first
// request, gets the service ticket for Endpoint.SPN once (TGS exchange; gokrb5
// caches it and renews the TGT in the background before it expires, or
// logs in again with the password it holds when the TGT can no longer be
// renewed), and from then on builds a fresh AP-REQ per request without
// contacting the KDC. masterzen's ClientKerberos instead built a new client,
// and so ran an AS and a TGS exchange, for every request.
//
// gokrb5 takes no context: every call that may reach the KDC runs in a
// goroutine the caller stops waiting for at its deadline (call); gokrb5
// bounds it itself (5 s to connect and 5 s to answer, per KDC).
type Kerberos struct {
	mu    sync.Mutex
	cl    *client.Client // nil after Close
	gen   uint64         // counts logins (relogin after a 401 runs once per login)
	spn   string
	realm string
	conf  *config.Config
	last  time.Time // the last authenticator's time: each one is later (replay caches)

	tkt       []byte // the service ticket, marshalled
	tktCipher []byte // its encrypted part, to notice a new ticket
}

// NewKerberos loads e.KrbConf and makes the gokrb5 client for e.Username
// in e.Realm (e is defaulted here); it does not contact the KDC yet. The
// credential holds the password until Close.
func NewKerberos(e Endpoint) (*Kerberos, error) {
	e.SetDefaults()
	conf, err := config.Load(e.KrbConf)
	if err != nil {
		return nil, fmt.Errorf("kerberos: loading krb5.conf %q: %w", e.KrbConf, err)
	}
	name, _ := splitUser(e.Username)
	k := &Kerberos{spn: e.SPN, realm: e.Realm, conf: conf}
	k.cl = k.newClient(name, e.Password)
	return k, nil
}

func (k *Kerberos) newClient(name, password string) *client.Client {
	// As masterzen's ClientKerberos: no FAST, and pre-authentication data in
	// the first AS-REQ (one AS exchange instead of two).
	return client.NewWithPassword(name, k.realm, password, k.conf,
		client.DisablePAFXFAST(true), client.AssumePreAuthentication(true))
}

// header returns the Authorization value for one request, logging in
// first when the credential has not yet, and the login generation it used.
func (k *Kerberos) header(ctx context.Context) (string, uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl == nil {
		return "", 0, errors.New("kerberos: credential destroyed")
	}
	if k.gen == 0 {
		if err := k.login(ctx); err != nil {
			return "", 0, err
		}
	}
	var tkt messages.Ticket
	var key types.EncryptionKey
	cl := k.cl
	// Cached after the login; a TGS exchange only when the ticket expired.
	err := k.call(ctx, cl, func() (err error) {
		tkt, key, err = cl.GetServiceTicket(k.spn)
		return err
	})
	if err != nil {
		return "", 0, k.kdcError(ctx, "service ticket for "+k.spn, err)
	}
	tok, err := k.negotiateToken(tkt, key)
	if err != nil {
		return "", 0, err
	}
	return "Negotiate " + base64.StdEncoding.EncodeToString(tok), k.gen, nil
}

// login runs the AS exchange and gets the service ticket; k.mu is held.
func (k *Kerberos) login(ctx context.Context) error {
	cl := k.cl
	if err := k.call(ctx, cl, cl.Login); err != nil {
		return k.kdcError(ctx, "login of "+cl.Credentials.UserName()+"@"+k.realm, err)
	}
	k.gen++
	return nil
}

// relogin replaces the client with a new one (new TGT, no cached service
// ticket) after the target refused a ticket of login generation gen; when
// another Client did so already, it does nothing.
func (k *Kerberos) relogin(ctx context.Context, gen uint64) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl == nil {
		return errors.New("kerberos: credential destroyed")
	}
	if k.gen != gen {
		return nil
	}
	old := k.cl
	k.cl = k.newClient(old.Credentials.UserName(), old.Credentials.Password())
	old.Destroy()
	return k.login(ctx)
}

// kdcError names the operation and categorises gokrb5's error; a caller's
// cancellation stays context.Canceled, a KDC that did not answer before
// the request's deadline is "no logon servers".
func (k *Kerberos) kdcError(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("kerberos %s: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("%w: kerberos %s: the KDC of %s did not answer in time: %w", ErrNoLogonServers, op, k.realm, err)
	}
	return krbCategory(fmt.Errorf("kerberos %s: %w", op, err))
}

// negotiateToken builds an SPNEGO NegTokenInit carrying a krb5 AP-REQ
// (RFC 4559, as Windows clients send to WinRM) with a fresh authenticator.
// No mutual authentication, delegation or message protection is asked for.
func (k *Kerberos) negotiateToken(tkt messages.Ticket, key types.EncryptionKey) ([]byte, error) {
	auth, err := types.NewAuthenticator(k.cl.Credentials.Domain(), k.cl.Credentials.CName())
	if err != nil {
		return nil, fmt.Errorf("kerberos authenticator: %w", err)
	}
	// A target's replay cache refuses two authenticators of one client with
	// the same time (to the microsecond): the two Clients of a console
	// could otherwise build theirs in the same microsecond.
	t := auth.CTime.Truncate(time.Microsecond)
	if !t.After(k.last) {
		t = k.last.Add(time.Microsecond)
	}
	k.last = t
	auth.CTime, auth.Cusec = t.Truncate(time.Second), t.Nanosecond()/1000
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: gssChecksum()}
	apReq, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, fmt.Errorf("kerberos ap-req for %s: %w", k.spn, err)
	}
	b, err := k.marshalAPReq(&apReq)
	if err != nil {
		return nil, fmt.Errorf("kerberos ap-req for %s: marshal: %w", k.spn, err)
	}
	oid, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, fmt.Errorf("kerberos: marshal krb5 oid: %w", err)
	}
	mech := append(append(oid, 0x01, 0x00), b...) // TOK_ID 01 00: AP-REQ (RFC 1964 1.1)
	mech = addAppTag0(mech)
	tok := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
		MechTypes: []asn1.ObjectIdentifier{gssapi.OIDKRB5.OID()}, MechTokenBytes: mech}}
	out, err := tok.Marshal()
	if err != nil {
		return nil, fmt.Errorf("kerberos: marshal spnego token: %w", err)
	}
	return out, nil
}

// apReqASN1 is an AP-REQ (RFC 4120 5.5.1) with the ticket already
// marshalled, as gokrb5's own APReq.Marshal builds it.
type apReqASN1 struct {
	PVNO          int                 `asn1:"explicit,tag:0"`
	MsgType       int                 `asn1:"explicit,tag:1"`
	APOptions     asn1.BitString      `asn1:"explicit,tag:2"`
	Ticket        asn1.RawValue       `asn1:"explicit,tag:3"`
	Authenticator types.EncryptedData `asn1:"explicit,tag:4"`
}

// marshalAPReq is gokrb5's APReq.Marshal, but marshals the ticket only
// when it changed (a third of the cost of a token otherwise); k.mu is held.
func (k *Kerberos) marshalAPReq(a *messages.APReq) ([]byte, error) {
	if k.tkt == nil || !bytes.Equal(k.tktCipher, a.Ticket.EncPart.Cipher) {
		tb, err := a.Ticket.Marshal()
		if err != nil {
			return nil, fmt.Errorf("ticket: %w", err)
		}
		k.tkt, k.tktCipher = tb, a.Ticket.EncPart.Cipher
	}
	m := apReqASN1{PVNO: a.PVNO, MsgType: a.MsgType, APOptions: a.APOptions,
		Ticket:        asn1.RawValue{Class: asn1.ClassContextSpecific, IsCompound: true, Tag: 3, Bytes: k.tkt},
		Authenticator: a.EncryptedAuthenticator}
	b, err := asn1.Marshal(m)
	if err != nil {
		return nil, err
	}
	return asn1tools.AddASNAppTag(b, asnAppTag.APREQ), nil
}

// gssChecksum is the RFC 4121 4.1.1 authenticator checksum: no channel
// bindings, flags integrity and confidentiality (as gokrb5's SPNEGO client).
func gssChecksum() []byte {
	a := make([]byte, 24)
	binary.LittleEndian.PutUint32(a[:4], 16)
	binary.LittleEndian.PutUint32(a[20:24], uint32(gssapi.ContextFlagInteg|gssapi.ContextFlagConf))
	return a
}

// addAppTag0 wraps b in the GSS-API InitialContextToken's [APPLICATION 0].
func addAppTag0(b []byte) []byte {
	out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: b})
	return out
}

// Close stops the client's TGT renewal and drops its credential and
// tickets (the password included). Idempotent; a Client using the
// credential fails its later Posts.
func (k *Kerberos) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl != nil {
		k.cl.Destroy()
		k.cl = nil
	}
}

// call runs f, a gokrb5 call on cl that takes no context, and stops
// waiting for it when ctx ends. f then finishes in the background; should
// cl have been replaced or destroyed meanwhile, it is destroyed again then,
// so that a late login cannot leave its TGT renewal goroutine behind.
func (k *Kerberos) call(ctx context.Context, cl *client.Client, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		go func() {
			<-done
			k.mu.Lock()
			defer k.mu.Unlock()
			if k.cl != cl {
				cl.Destroy()
			}
		}()
		return ctx.Err()
	}
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
// with its category. gokrb5's krberror keeps only the text of the KDC's
// KRBError ("KRB Error: (24) KDC_ERR_PREAUTH_FAILED ..."), so the code is
// read from it; any other error is returned as it is (and Classify calls a
// remaining KDC error "no logon servers").
func krbCategory(err error) error {
	s := err.Error()
	if strings.Contains(s, "Networking_Error") && strings.Contains(s, "KDC") {
		// gokrb5 could not reach any KDC of the realm: its "connection
		// refused" is the KDC's, not the target's (Classify would say
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
