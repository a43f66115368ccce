package winrs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// The server side of NTLMv2 with message sealing (MS-NLMP), just enough to
// verify the sealed transport end to end: challenge, NTLMv2 proof check,
// key exchange, RC4 sealing both ways, state bound to the TCP connection.

type ntlmConnKey struct{}

type ntlmConn struct {
	challenge [8]byte
	authed    bool
	recvSeal  *rc4.Cipher // client -> server
	sendSeal  *rc4.Cipher // server -> client
	sendSign  []byte
	sendSeq   uint32
}

const ntlmFlags = 0x1 | 0x4 | 0x10 | 0x20 | 0x200 | 0x8000 | 0x80000 | 0x800000 | 0x20000000 | 0x40000000 | 0x80000000

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

func challengeMessage(c *ntlmConn) []byte {
	target := utf16le("FAKE")
	var info bytes.Buffer
	av := func(id uint16, v []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(v)))
		info.Write(v)
	}
	av(2, target)
	av(1, utf16le("TARGET"))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, uint64(time.Now().UnixNano()/100+116444736000000000))
	av(7, ts)
	av(0, nil)
	m := make([]byte, 48)
	copy(m, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(m[8:], 2)
	binary.LittleEndian.PutUint16(m[12:], uint16(len(target)))
	binary.LittleEndian.PutUint16(m[14:], uint16(len(target)))
	binary.LittleEndian.PutUint32(m[16:], 48)
	binary.LittleEndian.PutUint32(m[20:], ntlmFlags)
	copy(m[24:], c.challenge[:])
	binary.LittleEndian.PutUint16(m[40:], uint16(info.Len()))
	binary.LittleEndian.PutUint16(m[42:], uint16(info.Len()))
	binary.LittleEndian.PutUint32(m[44:], uint32(48+len(target)))
	return append(append(m, target...), info.Bytes()...)
}

func field(m []byte, off int) []byte {
	if off+8 > len(m) {
		return nil
	}
	l := int(binary.LittleEndian.Uint16(m[off:]))
	o := int(binary.LittleEndian.Uint32(m[off+4:]))
	if o+l > len(m) {
		return nil
	}
	return m[o : o+l]
}

// authenticate checks a type-3 message for user/password and sets up the
// sealing state.
func (c *ntlmConn) authenticate(m []byte, user, password string) error {
	nt := field(m, 20)
	domain, name := field(m, 28), field(m, 36)
	encKey := field(m, 52)
	if len(nt) < 24 {
		return fmt.Errorf("short NT response")
	}
	h := md4.New()
	h.Write(utf16le(password))
	ntowf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)), domain)
	_ = name
	proof := hmacMD5(ntowf, c.challenge[:], nt[16:])
	if !hmac.Equal(proof, nt[:16]) {
		return fmt.Errorf("bad NTLMv2 proof")
	}
	base := hmacMD5(ntowf, proof)
	key := base
	if len(encKey) == 16 {
		r, _ := rc4.NewCipher(base)
		key = make([]byte, 16)
		r.XORKeyStream(key, encKey)
	}
	derive := func(s string) []byte { d := md5.Sum(append(append([]byte{}, key...), s+"\x00"...)); return d[:] }
	c.recvSeal, _ = rc4.NewCipher(derive("session key to client-to-server sealing key magic constant"))
	c.sendSeal, _ = rc4.NewCipher(derive("session key to server-to-client sealing key magic constant"))
	c.sendSign = derive("session key to server-to-client signing key magic constant")
	c.authed = true
	return nil
}

func (c *ntlmConn) unseal(body []byte) ([]byte, error) {
	parts := bytes.Split(body, []byte(sealOctetHeader))
	if len(parts) != 2 || len(parts[1]) < 20 {
		return nil, fmt.Errorf("bad sealed body")
	}
	p := bytes.TrimSuffix(parts[1], []byte(sealBoundary+"--\r\n"))
	n := int(binary.LittleEndian.Uint32(p))
	if n != 16 || len(p) < 4+n {
		return nil, fmt.Errorf("bad signature length %d", n)
	}
	sig, sealed := p[4:4+n], p[4+n:]
	plain := make([]byte, len(sealed))
	c.recvSeal.XORKeyStream(plain, sealed)
	c.recvSeal.XORKeyStream(make([]byte, 8), sig[4:12]) // keep the RC4 stream in step
	return plain, nil
}

func (c *ntlmConn) seal(plain []byte) []byte {
	sealed := make([]byte, len(plain))
	c.sendSeal.XORKeyStream(sealed, plain)
	seq := make([]byte, 4)
	binary.LittleEndian.PutUint32(seq, c.sendSeq)
	c.sendSeq++
	sum := hmacMD5(c.sendSign, seq, plain)[:8]
	c.sendSeal.XORKeyStream(sum, sum)
	sig := append(append([]byte{1, 0, 0, 0}, sum...), seq...)
	var b bytes.Buffer
	b.WriteString(sealBoundary + "\r\n\tContent-Type: " + sealProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(plain))
	b.WriteString(sealBoundary + "\r\n" + sealOctetHeader)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sig)))
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(sealBoundary + "--\r\n")
	return b.Bytes()
}

// newFakeNTLMTarget serves the scripted target over plain HTTP with
// Negotiate/NTLM and message encryption required (AllowUnencrypted=false).
func newFakeNTLMTarget(t testing.TB) *fakeTarget {
	f := &fakeTarget{sh: map[string]*fakeShell{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(ntlmConnKey{}).(*ntlmConn)
		body, _ := io.ReadAll(r.Body)
		if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Negotiate "); ok {
			m, _ := base64.StdEncoding.DecodeString(auth)
			if len(m) < 12 {
				w.WriteHeader(400)
				return
			}
			switch binary.LittleEndian.Uint32(m[8:]) {
			case 1:
				c.authed = false
				_, _ = md5.New().Write(nil)
				copy(c.challenge[:], fmt.Sprintf("%08d", time.Now().Nanosecond()%1e8))
				w.Header().Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(challengeMessage(c)))
				w.WriteHeader(401)
				return
			case 3:
				if err := c.authenticate(m, "alice", "pw"); err != nil {
					w.WriteHeader(401)
					return
				}
			}
		}
		if !c.authed {
			w.Header().Add("WWW-Authenticate", "Negotiate")
			w.WriteHeader(401)
			return
		}
		if len(body) == 0 {
			w.WriteHeader(200) // the handshake POST
			return
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/encrypted") {
			w.WriteHeader(401) // AllowUnencrypted=false
			return
		}
		plain, err := c.unseal(body)
		if err != nil {
			w.WriteHeader(400)
			return
		}
		rec := httptest.NewRecorder()
		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(plain))
		req.SetBasicAuth("alice", "pw")
		f.serve(rec, req)
		w.Header().Set("Content-Type", sealContentType)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(c.seal(rec.Body.Bytes()))
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, ntlmConnKey{}, &ntlmConn{})
	}
	srv.Start()
	f.srv = srv
	t.Cleanup(func() {
		srv.Close()
		f.mu.Lock()
		for _, s := range f.sh {
			s.stop()
		}
		f.mu.Unlock()
	})
	return f
}

func TestConsoleNTLMSealed(t *testing.T) {
	f := newFakeNTLMTarget(t)
	cfg := f.config()
	cfg.HTTPS, cfg.Auth, cfg.Username = false, "", `FAKE\alice`
	rec := newRecorder()
	c, err := Start(context.Background(), cfg, rec.emit)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer c.Close()
	if _, ev := rec.untilPrompt(t); ev.Kind != Prompt {
		t.Fatalf("first prompt: %+v", ev)
	}
	if err := c.Send("echo sealed ü"); err != nil {
		t.Fatal(err)
	}
	if out, ev := rec.untilPrompt(t); ev.Kind != Prompt || out[StreamStdout] != "sealed ü\r\n" {
		t.Fatalf("got %q %+v", out, ev)
	}
	// The server drops every connection: both posters notice the new
	// connection, run a fresh handshake and carry on.
	f.srv.CloseClientConnections()
	if err := c.Send("echo again"); err != nil {
		t.Fatal(err)
	}
	if out, ev := rec.untilPrompt(t); ev.Kind != Prompt || out[StreamStdout] != "again\r\n" {
		t.Fatalf("after reconnect: %q %+v", out, ev)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.openShells(); n != 0 {
		t.Fatalf("%d shells open after Close", n)
	}

	cfg.Password = "wrong"
	if _, err := Start(context.Background(), cfg, func(Event) {}); !errors.Is(err, ErrInvalidCredentials) || !strings.Contains(err.Error(), "invalid credentials") {
		t.Fatalf("wrong password: %v", err)
	}
}
