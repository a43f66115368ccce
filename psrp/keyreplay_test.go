package psrp_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/psgate/psgate/psrp"
	"github.com/psgate/psgate/psrp/internal/replay"
)

// exchangeKeyEnv names a PEM file (PKCS #1) holding the RSA key pypsrp's own
// tests inject when they replay these recordings (gen_rsa_keypair in
// pypsrp's tests/tests_pypsrp/test_powershell.py): the key the recordings
// were made with. psgate does not carry a copy; without it the test skips.
const exchangeKeyEnv = "PSGATE_PYPSRP_EXCHANGE_KEY"

func pypsrpExchangeKey(t *testing.T) []byte {
	t.Helper()
	path := os.Getenv(exchangeKeyEnv)
	if path == "" {
		path = filepath.Join(fixtureDir, "..", "pypsrp-exchange-key.pem")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("pypsrp's exchange key not available (set %s): %v", exchangeKeyEnv, err)
	}
	return b
}

// recordedMessages reassembles every message of a recording, in order.
func recordedMessages(t testing.TB, f *replay.File) []psrp.Message {
	t.Helper()
	reasm := map[string]*psrp.Reassembler{}
	var out []psrp.Message
	add := func(key string, data []byte) {
		r := reasm[key]
		if r == nil {
			r, _ = psrp.NewReassembler(psrp.ReassemblerConfig{})
			reasm[key] = r
		}
		raws, err := r.Feed(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			m, err := psrp.DecodeMessage(raw)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	for _, x := range f.Exchanges {
		for _, p := range x.Request.Payloads {
			add("c "+x.Request.ShellID, p.Data)
		}
		if x.Response != nil {
			for _, p := range x.Response.Payloads {
				add("s "+x.Request.ShellID, p.Data)
			}
		}
	}
	return out
}

// TestRecordedKeyExchangeWithKey replays the recorded key exchanges with the
// key they were made with: our PUBLICKEYBLOB of that key is the recorded
// PUBLIC_KEY byte for byte, the recorded ENCRYPTED_SESSION_KEY decrypts to
// an AES-256 key, and every recorded SecureString (<SS>, from the client
// and from the server) decrypts with it to UTF-16 text that our
// EncryptSecureString turns back into the recorded ciphertext.
func TestRecordedKeyExchangeWithKey(t *testing.T) {
	loadFixtures(t)
	block, _ := pem.Decode(pypsrpExchangeKey(t))
	if block == nil {
		t.Fatal("exchange key file holds no PEM block")
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ourBlob, err := psrp.MarshalPublicKeyBlob(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	prop := regexp.MustCompile(`<S N="(PublicKey|EncryptedSessionKey)">([^<]*)</S>`)
	secure := regexp.MustCompile(`<SS(?: N="[^"]*")?>([^<]*)</SS>`)
	for _, name := range []string{"test_psrp_multiple_commands.yml", "test_psrp_pshost_ui_mocked_methods.yml", "test_psrp_key_exchange_timeout.yml"} {
		t.Run(name, func(t *testing.T) {
			f, err := replay.Load(filepath.Join(fixtureDir, name))
			if err != nil {
				t.Fatal(err)
			}
			var key []byte
			var publicKeys, secureStrings int
			for _, m := range recordedMessages(t, f) {
				if sm := prop.FindSubmatch(m.Data); sm != nil {
					b, err := base64.StdEncoding.DecodeString(string(sm[2]))
					if err != nil {
						t.Fatal(err)
					}
					switch m.Type {
					case psrp.PublicKey:
						publicKeys++
						if !bytes.Equal(b, ourBlob) {
							t.Errorf("recorded PUBLIC_KEY differs from MarshalPublicKeyBlob of the key")
						}
					case psrp.EncryptedSessionKey:
						if key, err = psrp.DecryptSessionKey(priv, b); err != nil {
							t.Fatalf("decrypting the recorded session key: %v", err)
						}
					}
				}
				for _, sm := range secure.FindAllSubmatch(m.Data, -1) {
					if key == nil {
						t.Fatalf("%s carries a SecureString before the session key", m.Type)
					}
					ct, err := base64.StdEncoding.DecodeString(string(sm[1]))
					if err != nil {
						t.Fatal(err)
					}
					plain, err := psrp.DecryptSecureString(key, ct)
					if err != nil {
						t.Fatalf("%s: %v", m.Type, err)
					}
					if !utf8.ValidString(plain) || plain == "" {
						t.Errorf("%s: decrypted %q", m.Type, plain)
					}
					again, err := psrp.EncryptSecureString(key, plain)
					if err != nil || !bytes.Equal(again, ct) {
						t.Errorf("%s: re-encrypting %q does not give the recorded ciphertext", m.Type, plain)
					}
					secureStrings++
					t.Logf("%s to the %s: SecureString %q", m.Type, m.Destination, plain)
				}
			}
			t.Logf("%d PUBLIC_KEY, session key decrypted: %v, %d SecureStrings", publicKeys, key != nil, secureStrings)
			if publicKeys != 1 {
				t.Errorf("%d PUBLIC_KEY messages, want 1", publicKeys)
			}
		})
	}
}
