package local

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Params are the argon2id cost parameters for new hashes. Existing hashes
// are verified with the parameters stored in them.
type Params struct {
	// Memory in KiB. Default 19456 (19 MiB).
	Memory uint32
	// Iterations (time cost). Default 2.
	Iterations uint32
	// Parallelism (lanes). Default 1.
	Parallelism uint8
}

// DefaultParams are OWASP's argon2id recommendation (m=19 MiB, t=2, p=1):
// about 20-40 ms per check on one core, 19 MiB per check in flight.
var DefaultParams = Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1}

const (
	saltLen = 16
	keyLen  = 32
	// limits for parameters read from a file: a hostile file must not make
	// one sign-in allocate gigabytes or spin for minutes.
	maxMemory     = 1 << 20 // 1 GiB
	maxIterations = 64
	// DefaultBcryptCost is the default cost of new bcrypt hashes.
	DefaultBcryptCost = 12
)

func (p Params) validate() error {
	if p.Parallelism == 0 || p.Iterations == 0 || p.Iterations > maxIterations ||
		p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory {
		return fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d out of range", p.Memory, p.Iterations, p.Parallelism)
	}
	return nil
}

// hashArgon2id returns password's PHC string.
func hashArgon2id(password string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// hashPassword hashes with the named algorithm ("argon2id" or "bcrypt").
func hashPassword(algorithm, password string, p Params, bcryptCost int) (string, error) {
	switch algorithm {
	case "argon2id":
		return hashArgon2id(password, p)
	case "bcrypt":
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
		if err != nil {
			return "", fmt.Errorf("bcrypt: %w", err)
		}
		return string(h), nil
	}
	return "", fmt.Errorf("unknown hash algorithm %q", algorithm)
}

// argonHash is a parsed $argon2id$ string.
type argonHash struct {
	p         Params
	salt, key []byte
}

func parseArgon2id(s string) (argonHash, error) {
	var h argonHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, fmt.Errorf("not a $argon2id$ hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return h, fmt.Errorf("argon2id version %q not supported", parts[2])
	}
	var m, t, p uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 || p > 255 || t > 1<<32-1 || m > 1<<32-1 {
		return h, fmt.Errorf("argon2id parameters %q malformed", parts[3])
	}
	if fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != parts[3] {
		return h, fmt.Errorf("argon2id parameters %q malformed", parts[3])
	}
	h.p = Params{Memory: uint32(m), Iterations: uint32(t), Parallelism: uint8(p)}
	if err := h.p.validate(); err != nil {
		return h, err
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, fmt.Errorf("argon2id salt malformed")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 128 {
		return h, fmt.Errorf("argon2id key malformed")
	}
	return h, nil
}

// checkHash validates a stored hash string without verifying a password.
func checkHash(s string) error {
	if strings.HasPrefix(s, "$argon2id$") {
		_, err := parseArgon2id(s)
		return err
	}
	if isBcrypt(s) {
		if _, err := bcrypt.Cost([]byte(s)); err != nil {
			return fmt.Errorf("bcrypt hash malformed: %w", err)
		}
		return nil
	}
	return fmt.Errorf("hash is neither $argon2id$ nor bcrypt ($2a$/$2b$/$2y$)")
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// verify reports whether password matches the stored hash, in time that
// does not depend on how much of it matches.
func verify(stored, password string) bool {
	if isBcrypt(stored) {
		return bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) == nil
	}
	h, err := parseArgon2id(stored)
	if err != nil {
		return false
	}
	key := argon2.IDKey([]byte(password), h.salt, h.p.Iterations, h.p.Memory, h.p.Parallelism, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// algorithmOf names the algorithm of a stored hash for listings.
func algorithmOf(stored string) string {
	if isBcrypt(stored) {
		return "bcrypt"
	}
	return "argon2id"
}
