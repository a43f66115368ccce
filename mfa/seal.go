package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of the key that seals TOTP secrets (AES-256).
const KeySize = 32

// ErrKeyFileMode marks a key file that others may read.
var ErrKeyFileMode = errors.New("key file readable by others")

// ReadKeyFile reads the sealing key: the file holds KeySize random bytes in
// standard base64 (head -c32 /dev/urandom | base64). Others must have no
// access to it (group read stays allowed, for a root:psgate 0640 file).
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading mfa key file: %w", err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("mfa key file %s has mode %04o: %w (chmod 600 or 640)", path, fi.Mode().Perm(), ErrKeyFileMode)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading mfa key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("mfa key file %s: want %d random bytes in base64 (head -c32 /dev/urandom | base64)", path, KeySize)
	}
	return key, nil
}

// sealer encrypts TOTP secrets with AES-256-GCM; the additional data binds
// a ciphertext to its user and factor, so a sealed secret copied to another
// entry of the file does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("mfa: the sealing key has %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("mfa: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mfa: %w", err)
	}
	return &sealer{aead}, nil
}

func (s *sealer) seal(plain []byte, ad string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(ad))
}

func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("mfa: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		return nil, errors.New("mfa: sealed secret does not open with this key")
	}
	return plain, nil
}
