package winrmsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined over MD4
)

// The server side of NTLMv2 (MS-NLMP 3.2.5): parse NEGOTIATE (type 1),
// answer with a CHALLENGE (type 2), verify the AUTHENTICATE (type 3) NTLMv2
// proof against the user table and derive the session key that message
// sealing (seal.go) uses. NTLMv1 and anonymous authentication are refused,
// as a Windows host with LmCompatibilityLevel 5 does.

// NEGOTIATE flags (MS-NLMP 2.2.2.5).
const (
	flagUnicode       uint32 = 0x00000001
	flagOEM           uint32 = 0x00000002
	flagRequestTarget uint32 = 0x00000004
	flagSign          uint32 = 0x00000010
	flagSeal          uint32 = 0x00000020
	flagNTLM          uint32 = 0x00000200
	flagAlwaysSign    uint32 = 0x00008000
	flagTargetServer  uint32 = 0x00020000
	flagESS           uint32 = 0x00080000 // extended session security
	flagTargetInfo    uint32 = 0x00800000
	flagVersion       uint32 = 0x02000000
	flag128           uint32 = 0x20000000
	flagKeyExch       uint32 = 0x40000000
	flag56            uint32 = 0x80000000
)

// AV_PAIR ids (MS-NLMP 2.2.2.1).
const (
	avEOL          = 0
	avNbComputer   = 1
	avNbDomain     = 2
	avDNSComputer  = 3
	avDNSDomain    = 4
	avFlags        = 6
	avTimestamp    = 7
	avFlagsMICSent = 0x2
)

var (
	errNTLMFormat  = errors.New("malformed NTLM message")
	errNTLMRefused = errors.New("NTLM authentication refused")
)

const ntlmSig = "NTLMSSP\x00"

// ntlmType returns the MessageType of an NTLMSSP message.
func ntlmType(b []byte) (uint32, error) {
	if len(b) < 12 || string(b[:8]) != ntlmSig {
		return 0, fmt.Errorf("%w: no NTLMSSP signature", errNTLMFormat)
	}
	return binary.LittleEndian.Uint32(b[8:]), nil
}

// negotiateMsg is a parsed type-1 message; raw is kept for the MIC.
type negotiateMsg struct {
	flags uint32
	raw   []byte
}

func parseNegotiate(b []byte) (negotiateMsg, error) {
	t, err := ntlmType(b)
	if err != nil {
		return negotiateMsg{}, err
	}
	if t != 1 || len(b) < 16 {
		return negotiateMsg{}, fmt.Errorf("%w: type %d (%d bytes), want NEGOTIATE", errNTLMFormat, t, len(b))
	}
	return negotiateMsg{flags: binary.LittleEndian.Uint32(b[12:]), raw: bytes.Clone(b)}, nil
}

// authenticateMsg is a parsed type-3 message.
type authenticateMsg struct {
	flags                     uint32
	lm, nt, encKey            []byte
	domain, user, workstation string
	raw                       []byte
}

func parseAuthenticate(b []byte) (authenticateMsg, error) {
	t, err := ntlmType(b)
	if err != nil {
		return authenticateMsg{}, err
	}
	if t != 3 || len(b) < 64 {
		return authenticateMsg{}, fmt.Errorf("%w: type %d (%d bytes), want AUTHENTICATE", errNTLMFormat, t, len(b))
	}
	m := authenticateMsg{flags: binary.LittleEndian.Uint32(b[60:]), raw: bytes.Clone(b)}
	var dom, usr, ws []byte
	for _, f := range []struct {
		off int
		dst *[]byte
	}{{12, &m.lm}, {20, &m.nt}, {28, &dom}, {36, &usr}, {44, &ws}, {52, &m.encKey}} {
		if *f.dst, err = payload(b, f.off); err != nil {
			return authenticateMsg{}, err
		}
	}
	unicode := m.flags&flagUnicode != 0
	if m.domain, err = decodeNTLMString(dom, unicode); err != nil {
		return authenticateMsg{}, fmt.Errorf("domain: %w", err)
	}
	if m.user, err = decodeNTLMString(usr, unicode); err != nil {
		return authenticateMsg{}, fmt.Errorf("user: %w", err)
	}
	if m.workstation, err = decodeNTLMString(ws, unicode); err != nil {
		return authenticateMsg{}, fmt.Errorf("workstation: %w", err)
	}
	return m, nil
}

// payload reads the (Len, MaxLen, Offset) field at off.
func payload(b []byte, off int) ([]byte, error) {
	l := int(binary.LittleEndian.Uint16(b[off:]))
	o := int(binary.LittleEndian.Uint32(b[off+4:]))
	if l == 0 {
		return nil, nil
	}
	if o < 0 || o > len(b) || l > len(b)-o {
		return nil, fmt.Errorf("%w: field at %d: %d bytes at offset %d of %d", errNTLMFormat, off, l, o, len(b))
	}
	return b[o : o+l], nil
}

func decodeNTLMString(b []byte, unicode bool) (string, error) {
	if !unicode {
		return string(b), nil
	}
	if len(b)%2 != 0 {
		return "", fmt.Errorf("%w: odd UTF-16 length %d", errNTLMFormat, len(b))
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// serverChallenge is the state between a CHALLENGE and its AUTHENTICATE.
type serverChallenge struct {
	flags     uint32 // offered
	challenge [8]byte
	negotiate []byte // the type-1 message as received
	msg       []byte // the type-2 message as sent
}

// offeredFlags answers the client's NEGOTIATE flags as Windows does: it
// echoes what it supports of them, always NTLM and target info, and offers
// signing, sealing and key exchange only with extended session security
// (NTLMv1-style signatures are not built).
func offeredFlags(client uint32) uint32 {
	f := flagNTLM | flagTargetInfo | flagRequestTarget | flagTargetServer
	if client&flagUnicode != 0 {
		f |= flagUnicode
	} else {
		f |= flagOEM
	}
	f |= client & (flagAlwaysSign | flagVersion | flag128 | flag56)
	if client&flagESS != 0 {
		f |= flagESS | client&(flagSign|flagSeal|flagKeyExch)
	}
	return f
}

// newChallenge builds the CHALLENGE for a NEGOTIATE: a random server
// challenge and target info naming host as a standalone server (its NetBIOS
// domain is its own name, as a workgroup member reports).
func newChallenge(neg negotiateMsg, host string, now time.Time) (*serverChallenge, error) {
	c := &serverChallenge{flags: offeredFlags(neg.flags), negotiate: neg.raw}
	if _, err := rand.Read(c.challenge[:]); err != nil {
		return nil, fmt.Errorf("ntlm challenge: %w", err)
	}
	host = strings.ToUpper(host)
	target := []byte(host)
	if c.flags&flagUnicode != 0 {
		target = utf16le(host)
	}
	var info bytes.Buffer
	av := func(id uint16, v []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(v)))
		info.Write(v)
	}
	av(avNbDomain, utf16le(host))
	av(avNbComputer, utf16le(host))
	av(avDNSDomain, utf16le(strings.ToLower(host)))
	av(avDNSComputer, utf16le(strings.ToLower(host)))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, uint64(now.UnixNano()/100+116444736000000000))
	av(avTimestamp, ts)
	av(avEOL, nil)

	const hdr = 56 // with the Version field
	m := make([]byte, hdr, hdr+len(target)+info.Len())
	copy(m, ntlmSig)
	binary.LittleEndian.PutUint32(m[8:], 2)
	putField(m[12:], len(target), hdr)
	binary.LittleEndian.PutUint32(m[20:], c.flags)
	copy(m[24:], c.challenge[:])
	putField(m[40:], info.Len(), hdr+len(target))
	copy(m[48:], []byte{10, 0, 0x63, 0x45, 0, 0, 0, 15}) // Windows 10.0.17763, NTLMSSP_REVISION_W2K3
	m = append(append(m, target...), info.Bytes()...)
	c.msg = m
	return c, nil
}

func putField(b []byte, n, off int) {
	binary.LittleEndian.PutUint16(b, uint16(n))
	binary.LittleEndian.PutUint16(b[2:], uint16(n))
	binary.LittleEndian.PutUint32(b[4:], uint32(off))
}

// ntlmResult is a verified AUTHENTICATE.
type ntlmResult struct {
	user string           // the user table's key
	sec  *securityContext // nil unless signing/sealing was negotiated
}

// verify checks an AUTHENTICATE against this challenge. lookup maps the
// user name as sent to the table's key and password. The NTLMv2 proof is
// computed with the user and domain exactly as the client sent them, so any
// domain (or none, or the host's name) is accepted for a local account, as
// Windows does.
func (c *serverChallenge) verify(am authenticateMsg, lookup func(domain, user string) (string, string, bool)) (ntlmResult, error) {
	if am.user == "" || len(am.nt) == 0 {
		return ntlmResult{}, fmt.Errorf("%w: anonymous", errNTLMRefused)
	}
	// NTProofStr(16) + blob: RespType 1, HiRespType 1, 6 reserved, time(8), client challenge(8), 4 reserved, AV pairs.
	if len(am.nt) < 16+28 || am.nt[16] != 1 || am.nt[17] != 1 {
		return ntlmResult{}, fmt.Errorf("%w: user %q: not an NTLMv2 response (%d bytes)", errNTLMRefused, am.user, len(am.nt))
	}
	key, password, ok := lookup(am.domain, am.user)
	if !ok {
		return ntlmResult{}, fmt.Errorf("%w: unknown user %q (domain %q)", errNTLMRefused, am.user, am.domain)
	}
	h := md4.New()
	h.Write(utf16le(password))
	ntowf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(am.user)+am.domain))
	proof := hmacMD5(ntowf, c.challenge[:], am.nt[16:])
	if !hmac.Equal(proof, am.nt[:16]) {
		return ntlmResult{}, fmt.Errorf("%w: user %q domain %q: wrong NTLMv2 proof", errNTLMRefused, am.user, am.domain)
	}
	flags := am.flags & c.flags
	exported := hmacMD5(ntowf, proof) // SessionBaseKey = KeyExchangeKey for NTLMv2
	if flags&flagKeyExch != 0 && flags&(flagSign|flagSeal) != 0 {
		if len(am.encKey) != 16 {
			return ntlmResult{}, fmt.Errorf("%w: user %q: key exchange without a 16-byte session key", errNTLMRefused, am.user)
		}
		r, _ := rc4.NewCipher(exported)
		k := make([]byte, 16)
		r.XORKeyStream(k, am.encKey)
		exported = k
	}
	if err := c.checkMIC(am, exported); err != nil {
		return ntlmResult{}, err
	}
	res := ntlmResult{user: key}
	if flags&flagESS != 0 && flags&(flagSign|flagSeal) != 0 {
		res.sec = newSecurityContext(flags, exported)
	}
	return res, nil
}

// checkMIC verifies the message integrity code when the client says it
// sent one (MsvAvFlags bit 0x2 in its NTLMv2 blob).
func (c *serverChallenge) checkMIC(am authenticateMsg, exported []byte) error {
	if !micSent(am.nt[16+28:]) {
		return nil
	}
	if len(am.raw) < 88 {
		return fmt.Errorf("%w: user %q: MIC announced but message is %d bytes", errNTLMRefused, am.user, len(am.raw))
	}
	zeroed := bytes.Clone(am.raw)
	clear(zeroed[72:88])
	if !hmac.Equal(hmacMD5(exported, c.negotiate, c.msg, zeroed), am.raw[72:88]) {
		return fmt.Errorf("%w: user %q: wrong MIC", errNTLMRefused, am.user)
	}
	return nil
}

// micSent reports whether the AV pairs carry MsvAvFlags with the MIC bit.
func micSent(av []byte) bool {
	for len(av) >= 4 {
		id := binary.LittleEndian.Uint16(av)
		n := int(binary.LittleEndian.Uint16(av[2:]))
		if id == avEOL || 4+n > len(av) {
			return false
		}
		if id == avFlags && n == 4 {
			return binary.LittleEndian.Uint32(av[4:])&avFlagsMICSent != 0
		}
		av = av[4+n:]
	}
	return false
}
