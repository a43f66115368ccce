package psrp

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// A SecureString (CLIXML <SS>) carries a string encrypted with the session
// key as PowerShell does it: the UTF-16LE code units, PKCS #7 padded to the
// AES block size, encrypted with AES-256-CBC and an all-zero IV, each string
// on its own (the CBC chain restarts). The CLIXML text is the base64 of the
// ciphertext.

// EncryptSecureString encrypts s with the 32-byte session key.
func EncryptSecureString(sessionKey []byte, s string) ([]byte, error) {
	block, err := newSessionCipher(sessionKey)
	if err != nil {
		return nil, fmt.Errorf("encrypting secure string: %w", err)
	}
	units := utf16.Encode([]rune(s))
	plain := make([]byte, 0, (len(units)*2/aes.BlockSize+1)*aes.BlockSize)
	for _, u := range units {
		plain = append(plain, byte(u), byte(u>>8))
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	for range pad {
		plain = append(plain, byte(pad))
	}
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(plain, plain)
	return plain, nil
}

// DecryptSecureString decrypts ciphertext made by EncryptSecureString or by
// PowerShell. Unpaired UTF-16 surrogates become U+FFFD.
func DecryptSecureString(sessionKey, ciphertext []byte) (string, error) {
	block, err := newSessionCipher(sessionKey)
	if err != nil {
		return "", fmt.Errorf("decrypting secure string: %w", err)
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return "", fmt.Errorf("decrypting secure string: %d bytes, not a positive multiple of %d: %w", len(ciphertext), aes.BlockSize, ErrInvalidSecureString)
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(plain, ciphertext)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return "", fmt.Errorf("decrypting secure string: padding byte %d: %w", pad, ErrInvalidSecureString)
	}
	for _, p := range plain[len(plain)-pad:] {
		if int(p) != pad {
			return "", fmt.Errorf("decrypting secure string: inconsistent padding: %w", ErrInvalidSecureString)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain)%2 != 0 {
		return "", fmt.Errorf("decrypting secure string: %d bytes of UTF-16LE: %w", len(plain), ErrInvalidSecureString)
	}
	units := make([]uint16, len(plain)/2)
	for i := range units {
		units[i] = uint16(plain[2*i]) | uint16(plain[2*i+1])<<8
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return string(out), nil
}

func newSessionCipher(key []byte) (cipher.Block, error) {
	if len(key) != SessionKeySize {
		return nil, fmt.Errorf("session key of %d bytes, want %d: %w", len(key), SessionKeySize, ErrInvalidSessionKey)
	}
	return aes.NewCipher(key)
}
