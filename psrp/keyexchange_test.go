package psrp_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/big"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/internal/replay"
)

// recordedKeyExchange returns the PublicKey and EncryptedSessionKey values
// of the PUBLIC_KEY and ENCRYPTED_SESSION_KEY messages in a recording.
func recordedKeyExchange(t *testing.T, name string) (pub, session []byte) {
	t.Helper()
	loadFixtures(t)
	f, err := replay.Load(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	prop := regexp.MustCompile(`<S N="(PublicKey|EncryptedSessionKey)">([^<]*)</S>`)
	for _, x := range f.Exchanges {
		for _, e := range []*replay.Envelope{x.Request, x.Response} {
			if e == nil {
				continue
			}
			for _, p := range e.Payloads {
				frags, err := psrp.DecodeFragments(p.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, fr := range frags {
					if !fr.Start || !fr.End {
						continue
					}
					m, err := psrp.DecodeMessage(fr.Blob)
					if err != nil || (m.Type != psrp.PublicKey && m.Type != psrp.EncryptedSessionKey) {
						continue
					}
					sm := prop.FindSubmatch(m.Data)
					if sm == nil {
						t.Fatalf("%s without its property: %s", m.Type, m.Data)
					}
					b, err := base64.StdEncoding.DecodeString(string(sm[2]))
					if err != nil {
						t.Fatal(err)
					}
					if m.Type == psrp.PublicKey {
						pub = b
					} else {
						session = b
					}
				}
			}
		}
	}
	return pub, session
}

// TestRecordedKeyExchange parses the PUBLICKEYBLOB pypsrp sent and the
// SIMPLEBLOB Windows answered with, and checks that the server half here
// writes a blob of exactly the recorded layout for the recorded key. It
// needs no private key; TestRecordedKeyExchangeWithKey decrypts too.
func TestRecordedKeyExchange(t *testing.T) {
	for _, name := range []string{"test_psrp_multiple_commands.yml", "test_psrp_pshost_ui_mocked_methods.yml"} {
		t.Run(name, func(t *testing.T) {
			pubBlob, sessBlob := recordedKeyExchange(t, name)
			if pubBlob == nil || sessBlob == nil {
				t.Fatalf("recording lacks the exchange: public key %d bytes, session key %d bytes", len(pubBlob), len(sessBlob))
			}
			if len(pubBlob) != 20+256 || !bytes.Equal(pubBlob[:16], []byte{6, 2, 0, 0, 0, 0xA4, 0, 0, 'R', 'S', 'A', '1', 0, 8, 0, 0}) {
				t.Errorf("recorded PUBLICKEYBLOB header % X, %d bytes", pubBlob[:16], len(pubBlob))
			}
			pub, err := psrp.ParsePublicKeyBlob(pubBlob)
			if err != nil {
				t.Fatal(err)
			}
			if pub.N.BitLen() != 2048 || pub.E != 65537 {
				t.Errorf("recorded key: %d bits, exponent %d", pub.N.BitLen(), pub.E)
			}
			again, err := psrp.MarshalPublicKeyBlob(pub)
			if err != nil || !bytes.Equal(again, pubBlob) {
				t.Errorf("MarshalPublicKeyBlob(parsed) differs from the recorded blob (err %v)", err)
			}
			wantHdr := []byte{1, 2, 0, 0, 0x10, 0x66, 0, 0, 0, 0xA4, 0, 0}
			if len(sessBlob) != 12+256 || !bytes.Equal(sessBlob[:12], wantHdr) {
				t.Errorf("recorded SIMPLEBLOB header % X, %d bytes", sessBlob[:12], len(sessBlob))
			}
			ct, err := psrp.SessionKeyCiphertext(sessBlob)
			if err != nil || len(ct) != 256 {
				t.Fatalf("SessionKeyCiphertext: %d bytes, %v", len(ct), err)
			}
			// RSA ciphertext is a number below the modulus: read little-endian
			// it is; read as stored (big-endian) it is not, in both recordings.
			if new(big.Int).SetBytes(ct).Cmp(pub.N) >= 0 {
				t.Error("recorded ciphertext read little-endian is not below the recorded modulus")
			}
			if new(big.Int).SetBytes(sessBlob[12:]).Cmp(pub.N) < 0 {
				t.Error("recorded ciphertext read big-endian is below the modulus too: the check proves nothing")
			}
			key, err := psrp.NewSessionKey(nil)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := psrp.EncryptSessionKey(pub, key)
			if err != nil {
				t.Fatal(err)
			}
			if len(ours) != len(sessBlob) || !bytes.Equal(ours[:12], sessBlob[:12]) {
				t.Errorf("our SIMPLEBLOB: header % X, %d bytes; recorded % X, %d bytes", ours[:12], len(ours), sessBlob[:12], len(sessBlob))
			}
		})
	}
}

// TestKeyExchangeRoundTrip runs the client half against the server half.
func TestKeyExchangeRoundTrip(t *testing.T) {
	priv, err := psrp.GenerateExchangeKey()
	if err != nil {
		t.Fatal(err)
	}
	blob, err := psrp.MarshalPublicKeyBlob(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != 276 || binary.LittleEndian.Uint32(blob[12:16]) != 2048 || binary.LittleEndian.Uint32(blob[16:20]) != uint32(priv.E) {
		t.Fatalf("PUBLICKEYBLOB % X…, %d bytes", blob[:20], len(blob))
	}
	// The modulus is little-endian: its first byte is N's lowest.
	if blob[20] != byte(priv.N.Uint64()) {
		t.Errorf("modulus byte order: first byte %02X, N mod 256 = %02X", blob[20], byte(priv.N.Uint64()))
	}
	serverPub, err := psrp.ParsePublicKeyBlob(blob)
	if err != nil {
		t.Fatal(err)
	}
	if !serverPub.Equal(&priv.PublicKey) {
		t.Fatal("parsed public key differs")
	}
	key, err := psrp.NewSessionKey(bytes.NewReader(bytes.Repeat([]byte{0x5A}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := psrp.EncryptSessionKey(serverPub, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := psrp.DecryptSessionKey(priv, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, key) {
		t.Fatalf("DecryptSessionKey = % X, want % X", got, key)
	}
	// And the key works for SecureStrings both ways.
	ct, err := psrp.EncryptSecureString(key, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := psrp.DecryptSecureString(got, ct); err != nil || s != "s3cret" {
		t.Errorf("DecryptSecureString = %q, %v", s, err)
	}
	// A blob for another key does not decrypt.
	other, err := psrp.GenerateExchangeKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := psrp.DecryptSessionKey(other, sealed); !errors.Is(err, psrp.ErrInvalidSessionKey) {
		t.Errorf("decrypting with the wrong key: error = %v, want ErrInvalidSessionKey", err)
	}
}

func TestKeyBlobErrors(t *testing.T) {
	priv, err := psrp.GenerateExchangeKey()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := psrp.MarshalPublicKeyBlob(&priv.PublicKey)
	mut := func(i int, v byte) []byte {
		b := bytes.Clone(good)
		b[i] = v
		return b
	}
	for name, b := range map[string][]byte{
		"short":          good[:19],
		"type":           mut(0, 7),
		"version":        mut(1, 3),
		"reserved":       mut(2, 1),
		"alg":            mut(5, 0x24),
		"magic":          mut(11, '2'),
		"bitlen":         mut(13, 4),
		"modulus cut":    good[:len(good)-1],
		"even exponent":  mut(16, 0),
		"top byte zero":  mut(len(good)-1, 0),
		"bitlen not x8":  mut(12, 1),
		"exponent large": mut(19, 0x80),
	} {
		if _, err := psrp.ParsePublicKeyBlob(b); !errors.Is(err, psrp.ErrInvalidKeyBlob) {
			t.Errorf("%s: ParsePublicKeyBlob error = %v, want ErrInvalidKeyBlob", name, err)
		}
	}
	key := bytes.Repeat([]byte{1}, 32)
	sealed, err := psrp.EncryptSessionKey(&priv.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"short":      sealed[:12],
		"type":       append([]byte{6}, sealed[1:]...),
		"key alg":    append(bytes.Clone(sealed[:4]), append([]byte{0x0E}, sealed[5:]...)...),
		"enc alg":    append(bytes.Clone(sealed[:9]), append([]byte{0x24}, sealed[10:]...)...),
		"cut":        sealed[:len(sealed)-1],
		"garbage ct": append(bytes.Clone(sealed[:12]), bytes.Repeat([]byte{0xFF}, 256)...),
	} {
		if _, err := psrp.DecryptSessionKey(priv, b); !errors.Is(err, psrp.ErrInvalidKeyBlob) && !errors.Is(err, psrp.ErrInvalidSessionKey) {
			t.Errorf("%s: DecryptSessionKey error = %v", name, err)
		}
	}
	if _, err := psrp.EncryptSessionKey(&priv.PublicKey, key[:16]); !errors.Is(err, psrp.ErrInvalidSessionKey) {
		t.Errorf("16-byte session key: error = %v", err)
	}
	if _, err := psrp.MarshalPublicKeyBlob(&rsa.PublicKey{}); !errors.Is(err, psrp.ErrInvalidKeyBlob) {
		t.Errorf("empty public key: error = %v", err)
	}
}
