package winrmsim

import (
	"testing"
	"time"

	"github.com/bodgit/ntlmssp"
)

// FuzzNTLMMessage feeds arbitrary tokens to the NEGOTIATE and AUTHENTICATE
// parsers and to the NTLMv2 verification behind them: nothing may panic,
// and nothing random may authenticate.
func FuzzNTLMMessage(f *testing.F) {
	c, err := ntlmssp.NewClient(ntlmssp.SetUserInfo("alice", "S3cret!"), ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		f.Fatal(err)
	}
	m1, _ := c.Authenticate(nil, nil)
	neg, err := parseNegotiate(m1)
	if err != nil {
		f.Fatal(err)
	}
	ch, err := newChallenge(neg, "WINSRV01", time.Unix(1_700_000_000, 0))
	if err != nil {
		f.Fatal(err)
	}
	m3, err := c.Authenticate(ch.msg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m1)
	f.Add(m3)
	f.Add(ch.msg)
	f.Add([]byte("NTLMSSP\x00\x03\x00\x00\x00"))
	lookup := func(string, string) (string, string, bool) { return "alice", "S3cret!", true }
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := parseNegotiate(b); err == nil {
			if _, err := newChallenge(n, "WINSRV01", time.Unix(0, 0)); err != nil {
				t.Fatal(err)
			}
		}
		am, err := parseAuthenticate(b)
		if err != nil {
			return
		}
		// A fresh random challenge: the fuzzer cannot know it, so a
		// message it made must never verify.
		fresh, err := newChallenge(neg, "WINSRV01", time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := fresh.verify(am, lookup); err == nil {
			t.Fatalf("random AUTHENTICATE verified: %+v", res)
		}
	})
}

// FuzzSealParts feeds arbitrary bodies to the multipart/encrypted parser.
func FuzzSealParts(f *testing.F) {
	f.Add([]byte(sealBoundary + "\tContent-Type: " + sealProtocol + "\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=3\r\n" +
		sealBoundary + sealOctetHeader + "\x10\x00\x00\x00" + "0123456789abcdef" + "abc" + sealEnd))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, sig, sealed, err := sealParts(b)
		if err == nil && (len(sig) != 16 || n < 0 || len(sealed) > len(b)) {
			t.Fatalf("parsed %d %d %d", n, len(sig), len(sealed))
		}
	})
}
