package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// Recovery and enrolment codes are 80 random bits, shown as four groups of
// four base32 letters (ABCD-EFGH-…). They are stored as SHA-256 only: with
// 2^80 candidates a stolen factor file gives nothing to brute-force, so a
// slow password hash (argon2id, which only identity/local may import) would
// add cost at every use and no safety.
const codeBytes = 10

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newCode returns a fresh code for a person to type.
func newCode() string {
	b := make([]byte, codeBytes)
	rand.Read(b)
	s := codeEncoding.EncodeToString(b) // 16 letters
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// normalizeCode drops separators and spaces and upper-cases, so a code
// typed "abcd efgh…" matches.
func normalizeCode(c string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

// hashCode is the stored form of a code.
func hashCode(c string) string {
	h := sha256.Sum256([]byte("psgate mfa code\x00" + normalizeCode(c)))
	return hex.EncodeToString(h[:])
}

// matchCode reports which of hashes code matches (-1: none), comparing in
// constant time.
func matchCode(hashes []string, code string) int {
	h := hashCode(code)
	found := -1
	for i, x := range hashes {
		if subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1 {
			found = i
		}
	}
	return found
}
