package winrmsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// NTLM message encryption (MS-WSMV 2.2.9.1.1, "HTTP-SPNEGO-session-encrypted")
// as Windows, pywinrm and masterzen frame it:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 LE signature length (16)><signature><RC4-sealed body>--Encrypted Boundary--\r\n
//
// The signature is MS-NLMP 3.4.4.2 (extended session security): version 1,
// the first 8 bytes of HMAC-MD5(signing key, seq || plaintext) — RC4'd with
// the sealing stream when key exchange was negotiated — and the sequence
// number. Each direction has its own keys, RC4 stream and sequence number,
// all living as long as the TCP connection's NTLM context.

const (
	sealProtocol    = "application/HTTP-SPNEGO-session-encrypted"
	sealContentType = `multipart/encrypted;protocol="` + sealProtocol + `";boundary="Encrypted Boundary"`
	sealBoundary    = "--Encrypted Boundary\r\n"
	sealEnd         = "--Encrypted Boundary--\r\n"
	sealOctetHeader = "\tContent-Type: application/octet-stream\r\n"
)

var errSealed = errors.New("bad encrypted message")

// securityContext is one connection's NTLM signing and sealing state,
// server side (outgoing = server-to-client).
type securityContext struct {
	flags            uint32
	sendSeal, recv   *rc4.Cipher
	sendSign, recvSn []byte
	sendSeq, recvSeq uint32
}

func newSecurityContext(flags uint32, key []byte) *securityContext {
	derive := func(k []byte, s string) []byte {
		d := md5.Sum(append(bytes.Clone(k), s+" key magic constant\x00"...))
		return d[:]
	}
	sealKey := key // 128-bit, else 56 or 40 bits of it (MS-NLMP 3.4.5.3)
	switch {
	case flags&flag128 != 0:
	case flags&flag56 != 0:
		sealKey = key[:7]
	default:
		sealKey = key[:5]
	}
	s := &securityContext{flags: flags,
		sendSign: derive(key, "session key to server-to-client signing"),
		recvSn:   derive(key, "session key to client-to-server signing"),
	}
	s.sendSeal, _ = rc4.NewCipher(derive(sealKey, "session key to server-to-client sealing"))
	s.recv, _ = rc4.NewCipher(derive(sealKey, "session key to client-to-server sealing"))
	return s
}

func (s *securityContext) canSeal() bool { return s != nil && s.flags&flagSeal != 0 }

// checksum is the 8-byte MAC, RC4'd with the direction's stream under key exchange.
func (s *securityContext) checksum(c *rc4.Cipher, key []byte, seq uint32, plain []byte) []byte {
	var sn [4]byte
	binary.LittleEndian.PutUint32(sn[:], seq)
	sum := hmacMD5(key, sn[:], plain)[:8]
	if s.flags&flagKeyExch != 0 {
		c.XORKeyStream(sum, sum)
	}
	return sum
}

// wrap seals plain and signs it.
func (s *securityContext) wrap(plain []byte) (sealed, sig []byte) {
	sealed = make([]byte, len(plain))
	s.sendSeal.XORKeyStream(sealed, plain)
	sig = make([]byte, 16)
	sig[0] = 1
	copy(sig[4:], s.checksum(s.sendSeal, s.sendSign, s.sendSeq, plain))
	binary.LittleEndian.PutUint32(sig[12:], s.sendSeq)
	s.sendSeq++
	return sealed, sig
}

// unwrap unseals and checks the signature and the sequence number.
func (s *securityContext) unwrap(sealed, sig []byte) ([]byte, error) {
	if len(sig) != 16 || binary.LittleEndian.Uint32(sig) != 1 {
		return nil, fmt.Errorf("%w: signature of %d bytes", errSealed, len(sig))
	}
	plain := make([]byte, len(sealed))
	s.recv.XORKeyStream(plain, sealed)
	want := s.checksum(s.recv, s.recvSn, s.recvSeq, plain)
	if seq := binary.LittleEndian.Uint32(sig[12:]); seq != s.recvSeq {
		return nil, fmt.Errorf("%w: sequence number %d, want %d", errSealed, seq, s.recvSeq)
	}
	if !hmac.Equal(sig[4:12], want) {
		return nil, fmt.Errorf("%w: signature does not verify (sequence %d)", errSealed, s.recvSeq)
	}
	s.recvSeq++
	return plain, nil
}

// isSealed reports whether a request's Content-Type is NTLM/SPNEGO encryption.
func isSealed(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "multipart/encrypted") && strings.Contains(ct, strings.ToLower(sealProtocol))
}

// sealParts splits an encrypted body into its declared plaintext length,
// signature and sealed bytes. It is positional: the sealed bytes may
// contain anything, the boundary included.
func sealParts(body []byte) (length int, sig, sealed []byte, err error) {
	rest, ok := bytes.CutPrefix(body, []byte(sealBoundary))
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: no leading boundary", errSealed)
	}
	header, rest, ok := bytes.Cut(rest, []byte(sealBoundary))
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: one part only", errSealed)
	}
	if !bytes.Contains(header, []byte("Content-Type: "+sealProtocol)) {
		return 0, nil, nil, fmt.Errorf("%w: first part is not %s", errSealed, sealProtocol)
	}
	_, l, ok := bytes.Cut(header, []byte("Length="))
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: no OriginalContent Length", errSealed)
	}
	if length, err = strconv.Atoi(string(bytes.TrimSpace(l))); err != nil || length < 0 {
		return 0, nil, nil, fmt.Errorf("%w: OriginalContent Length %q", errSealed, bytes.TrimSpace(l))
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(sealOctetHeader)); !ok {
		return 0, nil, nil, fmt.Errorf("%w: second part is not application/octet-stream", errSealed)
	}
	if rest, ok = bytes.CutSuffix(rest, []byte(sealEnd)); !ok {
		return 0, nil, nil, fmt.Errorf("%w: no closing boundary", errSealed)
	}
	if len(rest) < 4 {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes of payload", errSealed, len(rest))
	}
	n := binary.LittleEndian.Uint32(rest)
	if n != 16 || len(rest) < 4+16 {
		return 0, nil, nil, fmt.Errorf("%w: signature length %d", errSealed, n)
	}
	return length, rest[4:20], rest[20:], nil
}

// unsealBody decrypts and verifies a multipart/encrypted request body.
func (s *securityContext) unsealBody(body []byte) ([]byte, error) {
	if !s.canSeal() {
		return nil, fmt.Errorf("%w: sealing was not negotiated on this connection", errSealed)
	}
	length, sig, sealed, err := sealParts(body)
	if err != nil {
		return nil, err
	}
	if len(sealed) != length {
		return nil, fmt.Errorf("%w: %d sealed bytes, OriginalContent Length %d", errSealed, len(sealed), length)
	}
	return s.unwrap(sealed, sig)
}

// sealBody frames a sealed reply.
func (s *securityContext) sealBody(plain []byte) []byte {
	sealed, sig := s.wrap(plain)
	var b bytes.Buffer
	b.WriteString(sealBoundary + "\tContent-Type: " + sealProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(plain))
	b.WriteString(sealBoundary + sealOctetHeader)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(sealEnd)
	return b.Bytes()
}
