package psrp_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/psgate/psgate/psrp"
)

// TestSecureStringKnownAnswer checks against ciphertext made by Python's
// cryptography package (the library psrpcore and pypsrp use) with AES-256-CBC,
// a zero IV, PKCS #7 and the UTF-16LE string.
func TestSecureStringKnownAnswer(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	const plain = "Pa$$w0rd \u2013 \u00fcn\u00ef \U0001F600"
	want, _ := hex.DecodeString("35c50d74f6e58bd017636ce1a960f3a2c67672cd924ec3e6ed8537916c8cc0185d8c1983b2561787402cf3dbbc14f3d8")
	got, err := psrp.EncryptSecureString(key, plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("EncryptSecureString = %x, want %x", got, want)
	}
	back, err := psrp.DecryptSecureString(key, want)
	if err != nil || back != plain {
		t.Errorf("DecryptSecureString = %q, %v", back, err)
	}
}

func TestSecureStringRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, s := range []string{"", "a", "exactly8", "sixteen chars!!!", "\x00\u00e9\U0010FFFF", string(make([]byte, 100))} {
		ct, err := psrp.EncryptSecureString(key, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct)%16 != 0 || len(ct) <= 2*len([]rune(s))-1 {
			t.Errorf("%q: ciphertext of %d bytes", s, len(ct))
		}
		got, err := psrp.DecryptSecureString(key, ct)
		if err != nil || got != s {
			t.Errorf("round trip of %q = %q, %v", s, got, err)
		}
	}
}

func TestSecureStringErrors(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	ct, _ := psrp.EncryptSecureString(key, "abc")
	tests := []struct {
		name string
		key  []byte
		ct   []byte
		want error
	}{
		{"short key", key[:16], ct, psrp.ErrInvalidSessionKey},
		{"empty", key, nil, psrp.ErrInvalidSecureString},
		{"not block sized", key, ct[:15], psrp.ErrInvalidSecureString},
		{"wrong key", bytes.Repeat([]byte{8}, 32), ct, psrp.ErrInvalidSecureString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A wrong key yields random padding; it is rejected unless the
			// last byte happens to look like padding, which this key does not.
			if _, err := psrp.DecryptSecureString(tt.key, tt.ct); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := psrp.EncryptSecureString(key[:31], "x"); !errors.Is(err, psrp.ErrInvalidSessionKey) {
		t.Errorf("EncryptSecureString with a 31-byte key: error = %v", err)
	}
}
