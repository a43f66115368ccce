package winrmsim

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// Kerberos (Config.Auth "kerberos"): the client sends a Kerberos AP-REQ,
// either as "Authorization: Kerberos <GSS krb5 token>" or as
// "Authorization: Negotiate <SPNEGO NegTokenInit>" (a raw krb5 token under
// Negotiate is taken too, as HTTP.sys does). The ticket is decrypted with
// Config.Keytab (gokrb5's service side: ticket times, authenticator, replay
// cache); the client principal name@REALM must be a single-component
// principal whose name is a key of Config.Users (the password is not used)
// and, when Config.Realm is set, whose realm is that realm.
//
// Unlike NTLM, Kerberos authenticates the request, not the connection: every
// request carries its own AP-REQ (masterzen's ClientKerberos sends one per
// request). When the client asks for mutual authentication (the AP-REQ's
// mutual-required option or the GSS checksum's mutual flag) the reply carries
// the AP-REP in WWW-Authenticate (inside an SPNEGO NegTokenResp for
// Negotiate), as Windows does. Kerberos message encryption is not
// implemented: over plain HTTP a Kerberos request is served only with
// Config.Unencrypted = UnencryptedAllowed (Windows' AllowUnencrypted=true);
// use TLS otherwise.

// loadKeytab parses Config.Keytab (the bytes of a keytab file).
func loadKeytab(b []byte) (*keytab.Keytab, error) {
	kt := keytab.New()
	if err := kt.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: keytab (%d bytes): %w", ErrConfig, len(b), err)
	}
	if len(kt.Entries) == 0 {
		return nil, fmt.Errorf("%w: keytab: no entries", ErrConfig)
	}
	return kt, nil
}

// isKerberosToken reports whether a Negotiate token is a GSS token (SPNEGO
// or raw krb5: ASN.1 [APPLICATION 0] or a NegTokenResp) rather than raw
// NTLMSSP.
func isKerberosToken(token string) bool {
	b, err := base64.StdEncoding.DecodeString(token)
	return err == nil && len(b) > 0 && (b[0] == 0x60 || b[0] == 0xa1)
}

// krbAccepted is a verified AP-REQ.
type krbAccepted struct {
	user   string // key of Config.Users
	mutual bool
	apReq  messages.APReq
	oid    asn1.ObjectIdentifier // mechanism the client named (krb5 or MS legacy krb5)
}

// kerberosLeg verifies a Kerberos or Negotiate (SPNEGO/krb5) token. On
// success it sets the mutual-authentication reply header when the client
// asked for one; on failure it answers 401 itself.
func (s *Server) kerberosLeg(w http.ResponseWriter, r *http.Request, scheme, token string) (*reqAuth, bool) {
	acc, err := s.acceptKerberos(token)
	if err != nil {
		s.cfg.Logger.Info("kerberos refused", "remote", r.RemoteAddr, "scheme", scheme, "error", err)
		s.unauthorized(w, r)
		return nil, false
	}
	if acc.mutual {
		rep, err := acc.apRepToken(strings.EqualFold(scheme, "Negotiate"))
		if err != nil {
			s.cfg.Logger.Info("kerberos reply failed", "remote", r.RemoteAddr, "user", acc.user, "error", err)
			w.WriteHeader(http.StatusInternalServerError)
			return nil, false
		}
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(rep))
	}
	return &reqAuth{user: acc.user, kerberos: true}, true
}

func (s *Server) acceptKerberos(token string) (*krbAccepted, error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	mech, oid, err := krb5MechToken(raw)
	if err != nil {
		return nil, err
	}
	var k spnego.KRB5Token
	if err := k.Unmarshal(mech); err != nil {
		return nil, fmt.Errorf("krb5 token: %w", err)
	}
	if !k.IsAPReq() {
		return nil, errors.New("krb5 token: not an AP-REQ")
	}
	settings := service.NewSettings(s.keytab, service.DecodePAC(false))
	ok, _, err := service.VerifyAPREQ(&k.APReq, settings)
	if err != nil {
		return nil, fmt.Errorf("ap-req for %s: %w", k.APReq.Ticket.SName.PrincipalNameString(), err)
	}
	if !ok {
		return nil, fmt.Errorf("ap-req for %s: not valid", k.APReq.Ticket.SName.PrincipalNameString())
	}
	a := k.APReq.Authenticator
	principal := a.CName.PrincipalNameString() + "@" + a.CRealm
	if len(a.CName.NameString) != 1 {
		return nil, fmt.Errorf("client %q: not a user principal", principal)
	}
	if s.cfg.Realm != "" && !strings.EqualFold(a.CRealm, s.cfg.Realm) {
		return nil, fmt.Errorf("client %q: realm is not %q", principal, s.cfg.Realm)
	}
	user, _, found := s.lookupUser("", a.CName.NameString[0]+"@"+a.CRealm)
	if !found {
		return nil, fmt.Errorf("client %q: no such user", principal)
	}
	return &krbAccepted{user: user, mutual: wantsMutual(&k.APReq), apReq: k.APReq, oid: oid}, nil
}

// krb5MechToken returns the krb5 GSS token inside an SPNEGO NegTokenInit,
// or the token itself when it is a raw krb5 token.
func krb5MechToken(raw []byte) ([]byte, asn1.ObjectIdentifier, error) {
	var st spnego.SPNEGOToken
	if err := st.Unmarshal(raw); err != nil {
		var k spnego.KRB5Token
		if k.Unmarshal(raw) != nil {
			return nil, nil, fmt.Errorf("token: neither SPNEGO nor krb5: %w", err)
		}
		return raw, gssapi.OIDKRB5.OID(), nil
	}
	if !st.Init || len(st.NegTokenInit.MechTypes) == 0 {
		return nil, nil, errors.New("spnego: not a NegTokenInit")
	}
	oid := st.NegTokenInit.MechTypes[0]
	if !oid.Equal(gssapi.OIDKRB5.OID()) && !oid.Equal(gssapi.OIDMSLegacyKRB5.OID()) {
		return nil, nil, fmt.Errorf("spnego: mechanism %s is not krb5", oid)
	}
	if len(st.NegTokenInit.MechTokenBytes) == 0 {
		return nil, nil, errors.New("spnego: no mechanism token (optimistic krb5 token expected)")
	}
	return st.NegTokenInit.MechTokenBytes, oid, nil
}

// wantsMutual: the AP-REQ's mutual-required option, or the mutual flag of
// the GSS authenticator checksum (RFC 4121 4.1.1: flags at bytes 20-23).
func wantsMutual(req *messages.APReq) bool {
	if len(req.APOptions.Bytes) > 0 && req.APOptions.At(flags.APOptionMutualRequired) == 1 {
		return true
	}
	ck := req.Authenticator.Cksum
	if ck.CksumType == chksumtype.GSSAPI && len(ck.Checksum) >= 24 {
		return binary.LittleEndian.Uint32(ck.Checksum[20:24])&gssapi.ContextFlagMutual != 0
	}
	return false
}

// encAPRepPart is RFC 4120's EncAPRepPart without the optional subkey and
// sequence number (gokrb5 only unmarshals it).
type encAPRepPart struct {
	CTime time.Time `asn1:"generalized,explicit,tag:0"`
	Cusec int       `asn1:"explicit,tag:1"`
}

// apRepToken builds the mutual-authentication reply: a krb5 GSS token
// (RFC 1964: TOK_ID 02 00) holding the AP-REP that echoes the client's
// authenticator time under the session key, wrapped in an SPNEGO
// NegTokenResp (accept-completed) for Negotiate.
func (a *krbAccepted) apRepToken(negotiate bool) ([]byte, error) {
	part, err := asn1.Marshal(encAPRepPart{CTime: a.apReq.Authenticator.CTime.UTC(), Cusec: a.apReq.Authenticator.Cusec})
	if err != nil {
		return nil, fmt.Errorf("marshal EncAPRepPart: %w", err)
	}
	part = asn1tools.AddASNAppTag(part, asnAppTag.EncAPRepPart)
	ed, err := crypto.GetEncryptedData(part, a.apReq.Ticket.DecryptedEncPart.Key, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		return nil, fmt.Errorf("encrypt EncAPRepPart: %w", err)
	}
	rep, err := asn1.Marshal(messages.APRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP, EncPart: ed})
	if err != nil {
		return nil, fmt.Errorf("marshal AP-REP: %w", err)
	}
	rep = asn1tools.AddASNAppTag(rep, asnAppTag.APREP)
	tok, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, fmt.Errorf("marshal krb5 oid: %w", err)
	}
	tok = append(append(tok, 0x02, 0x00), rep...)
	tok = asn1tools.AddASNAppTag(tok, 0)
	if !negotiate {
		return tok, nil
	}
	resp := spnego.NegTokenResp{NegState: asn1.Enumerated(spnego.NegStateAcceptCompleted), SupportedMech: a.oid, ResponseToken: tok}
	b, err := resp.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal NegTokenResp: %w", err)
	}
	return b, nil
}
