package wsman

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bodgit/ntlmssp"
)

// NTLM message encryption (MS-WSMV 2.2.9.1, "HTTP-SPNEGO-session-encrypted"),
// byte for byte as masterzen's encryption.go and pywinrm frame it:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 LE signature length><signature><sealed body>--Encrypted Boundary--\r\n
//
// (bodgit/ntlmssp/http's own Encryption option puts the sealed length in
// Length and insists on one exact Content-Type string, so it is not used.)

const (
	sealBoundary    = "--Encrypted Boundary"
	sealProtocol    = "application/HTTP-SPNEGO-session-encrypted"
	sealContentType = `multipart/encrypted;protocol="` + sealProtocol + `";boundary="Encrypted Boundary"`
	sealOctetHeader = "\tContent-Type: application/octet-stream\r\n"
)

func sealBody(s *ntlmssp.SecuritySession, body []byte) ([]byte, error) {
	sealed, sig, err := s.Wrap(body)
	if err != nil {
		return nil, fmt.Errorf("sealing request: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(sealBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + sealProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(body))
	b.WriteString(sealBoundary + "\r\n")
	b.WriteString(sealOctetHeader)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(sealBoundary + "--\r\n")
	return b.Bytes(), nil
}

var errSealFormat = errors.New("malformed encrypted reply")

// unsealBody decrypts and verifies a multipart/encrypted reply.
func unsealBody(s *ntlmssp.SecuritySession, body []byte) ([]byte, error) {
	body = bytes.TrimSuffix(body, []byte(sealBoundary+"--\r\n"))
	var parts [][]byte
	for _, p := range bytes.Split(body, []byte(sealBoundary+"\r\n")) {
		if len(p) > 0 {
			parts = append(parts, p)
		}
	}
	var out []byte
	for i := 0; i+1 < len(parts); i += 2 {
		header, payload := string(parts[i]), parts[i+1]
		_, lenStr, ok := strings.Cut(header, "Length=")
		if !ok {
			return nil, fmt.Errorf("%w: no Length", errSealFormat)
		}
		want, err := strconv.Atoi(strings.TrimSpace(lenStr))
		if err != nil {
			return nil, fmt.Errorf("%w: Length %q", errSealFormat, strings.TrimSpace(lenStr))
		}
		payload = bytes.TrimPrefix(payload, []byte(sealOctetHeader))
		if len(payload) < 4 {
			return nil, fmt.Errorf("%w: short part", errSealFormat)
		}
		n := int(binary.LittleEndian.Uint32(payload))
		if n < 0 || 4+n > len(payload) {
			return nil, fmt.Errorf("%w: signature length %d", errSealFormat, n)
		}
		plain, err := s.Unwrap(payload[4+n:], payload[4:4+n])
		if err != nil {
			return nil, fmt.Errorf("unsealing reply: %w", err)
		}
		if len(plain) != want {
			return nil, fmt.Errorf("%w: length %d, header says %d", errSealFormat, len(plain), want)
		}
		out = append(out, plain...)
	}
	if out == nil {
		return nil, fmt.Errorf("%w: no parts", errSealFormat)
	}
	return out, nil
}
