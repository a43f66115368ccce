package psrp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"slices"
)

// The session key exchange of MS-PSRP 2.2.2.3 and 2.2.2.4. The client sends
// its RSA public key as a Windows CryptoAPI PUBLICKEYBLOB in PUBLIC_KEY; the
// server answers ENCRYPTED_SESSION_KEY with a SIMPLEBLOB: a random AES-256
// key encrypted with RSAES-PKCS1-v1_5. Both blobs store numbers
// little-endian, the reverse of the big-endian order crypto/rsa uses.

const (
	// ExchangeKeyBits is the RSA key size PowerShell and pypsrp use.
	ExchangeKeyBits = 2048
	// SessionKeySize is the size of the AES-256 session key.
	SessionKeySize = 32

	blobHeaderSize   = 8  // BLOBHEADER: bType, bVersion, reserved (2), aiKeyAlg (4)
	publicKeyHdrSize = 20 // BLOBHEADER + RSAPUBKEY: magic, bitlen, pubexp
	simpleBlobHdr    = 12 // BLOBHEADER + the ALG_ID of the encrypting key

	blobTypeSimple    = 0x01 // SIMPLEBLOB
	blobTypePublicKey = 0x06 // PUBLICKEYBLOB
	blobVersion       = 0x02 // CUR_BLOB_VERSION
	calgRSAKeyX       = 0x0000A400
	calgAES256        = 0x00006610
	rsa1Magic         = 0x31415352 // "RSA1"
)

// GenerateExchangeKey returns a new RSA-2048 key for the exchange. Since Go
// 1.26 crypto/rsa always uses the system's secure random source; tests that
// need a fixed key inject a *rsa.PrivateKey instead.
func GenerateExchangeKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, ExchangeKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generating RSA-%d exchange key: %w", ExchangeKeyBits, err)
	}
	return k, nil
}

// MarshalPublicKeyBlob returns pub as a PUBLICKEYBLOB: BLOBHEADER (bType 6,
// bVersion 2, reserved 0, aiKeyAlg CALG_RSA_KEYX), RSAPUBKEY ("RSA1", bit
// length, public exponent, little-endian) and the modulus, little-endian.
// Its base64 is the PublicKey property of PUBLIC_KEY.
func MarshalPublicKeyBlob(pub *rsa.PublicKey) ([]byte, error) {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.E <= 0 || int64(pub.E) > 0xFFFFFFFF {
		return nil, fmt.Errorf("marshalling public key blob: malformed RSA public key: %w", ErrInvalidKeyBlob)
	}
	size := (pub.N.BitLen() + 7) / 8
	b := make([]byte, publicKeyHdrSize, publicKeyHdrSize+size)
	b[0], b[1] = blobTypePublicKey, blobVersion
	binary.LittleEndian.PutUint32(b[4:8], calgRSAKeyX)
	binary.LittleEndian.PutUint32(b[8:12], rsa1Magic)
	binary.LittleEndian.PutUint32(b[12:16], uint32(size*8))
	binary.LittleEndian.PutUint32(b[16:20], uint32(pub.E))
	mod := pub.N.FillBytes(make([]byte, size))
	slices.Reverse(mod)
	return append(b, mod...), nil
}

// ParsePublicKeyBlob parses a PUBLICKEYBLOB as MarshalPublicKeyBlob writes
// it, as a server does with PUBLIC_KEY.
func ParsePublicKeyBlob(b []byte) (*rsa.PublicKey, error) {
	if len(b) < publicKeyHdrSize {
		return nil, fmt.Errorf("parsing public key blob: %d bytes, header needs %d: %w", len(b), publicKeyHdrSize, ErrInvalidKeyBlob)
	}
	if err := checkBlobHeader(b, blobTypePublicKey, calgRSAKeyX); err != nil {
		return nil, fmt.Errorf("parsing public key blob: %w", err)
	}
	if m := binary.LittleEndian.Uint32(b[8:12]); m != rsa1Magic {
		return nil, fmt.Errorf("parsing public key blob: magic 0x%08X, want 0x%08X (RSA1): %w", m, rsa1Magic, ErrInvalidKeyBlob)
	}
	bits := binary.LittleEndian.Uint32(b[12:16])
	exp := binary.LittleEndian.Uint32(b[16:20])
	if bits == 0 || bits%8 != 0 || bits > 16384 || uint64(len(b)-publicKeyHdrSize) != uint64(bits/8) {
		return nil, fmt.Errorf("parsing public key blob: bit length %d with %d modulus bytes: %w", bits, len(b)-publicKeyHdrSize, ErrInvalidKeyBlob)
	}
	mod := slices.Clone(b[publicKeyHdrSize:])
	slices.Reverse(mod)
	n := new(big.Int).SetBytes(mod)
	if n.BitLen() != int(bits) || exp < 3 || exp%2 == 0 || uint64(exp) > 1<<31-1 {
		return nil, fmt.Errorf("parsing public key blob: modulus of %d bits (header says %d), exponent %d: %w", n.BitLen(), bits, exp, ErrInvalidKeyBlob)
	}
	return &rsa.PublicKey{N: n, E: int(exp)}, nil
}

// NewSessionKey reads a fresh AES-256 session key from random, or from
// crypto/rand when random is nil.
func NewSessionKey(random io.Reader) ([]byte, error) {
	if random == nil {
		random = rand.Reader
	}
	k := make([]byte, SessionKeySize)
	if _, err := io.ReadFull(random, k); err != nil {
		return nil, fmt.Errorf("generating session key: %w", err)
	}
	return k, nil
}

// EncryptSessionKey returns the SIMPLEBLOB a server sends in
// ENCRYPTED_SESSION_KEY: BLOBHEADER (bType 1, bVersion 2, reserved 0,
// aiKeyAlg CALG_AES_256), the ALG_ID CALG_RSA_KEYX of the key it is
// encrypted with, then sessionKey encrypted to pub with RSAES-PKCS1-v1_5,
// little-endian.
func EncryptSessionKey(pub *rsa.PublicKey, sessionKey []byte) ([]byte, error) {
	if len(sessionKey) != SessionKeySize {
		return nil, fmt.Errorf("encrypting session key: %d bytes, want %d: %w", len(sessionKey), SessionKeySize, ErrInvalidSessionKey)
	}
	// MS-PSRP 2.2.2.4 mandates PKCS #1 v1.5, deprecated in crypto/rsa.
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, sessionKey) //nolint:staticcheck
	if err != nil {
		return nil, fmt.Errorf("encrypting session key: %w", err)
	}
	b := make([]byte, simpleBlobHdr, simpleBlobHdr+len(ct))
	b[0], b[1] = blobTypeSimple, blobVersion
	binary.LittleEndian.PutUint32(b[4:8], calgAES256)
	binary.LittleEndian.PutUint32(b[8:12], calgRSAKeyX)
	slices.Reverse(ct)
	return append(b, ct...), nil
}

// SessionKeyCiphertext checks the header of a SIMPLEBLOB and returns the
// encrypted key in the big-endian order crypto/rsa takes.
func SessionKeyCiphertext(blob []byte) ([]byte, error) {
	if len(blob) <= simpleBlobHdr {
		return nil, fmt.Errorf("parsing session key blob: %d bytes: %w", len(blob), ErrInvalidKeyBlob)
	}
	if err := checkBlobHeader(blob, blobTypeSimple, calgAES256); err != nil {
		return nil, fmt.Errorf("parsing session key blob: %w", err)
	}
	if alg := binary.LittleEndian.Uint32(blob[8:12]); alg != calgRSAKeyX {
		return nil, fmt.Errorf("parsing session key blob: encrypting ALG_ID 0x%08X, want 0x%08X: %w", alg, calgRSAKeyX, ErrInvalidKeyBlob)
	}
	ct := slices.Clone(blob[simpleBlobHdr:])
	slices.Reverse(ct)
	return ct, nil
}

// DecryptSessionKey returns the AES-256 session key in a SIMPLEBLOB sent to
// the holder of priv, as a client does with ENCRYPTED_SESSION_KEY.
func DecryptSessionKey(priv *rsa.PrivateKey, blob []byte) ([]byte, error) {
	ct, err := SessionKeyCiphertext(blob)
	if err != nil {
		return nil, err
	}
	if len(ct) != priv.Size() {
		return nil, fmt.Errorf("decrypting session key: %d bytes of ciphertext for a %d-byte key: %w", len(ct), priv.Size(), ErrInvalidKeyBlob)
	}
	// MS-PSRP 2.2.2.4 mandates PKCS #1 v1.5, deprecated in crypto/rsa.
	key, err := rsa.DecryptPKCS1v15(nil, priv, ct) //nolint:staticcheck
	if err != nil {
		return nil, fmt.Errorf("decrypting session key: %w: %w", err, ErrInvalidSessionKey)
	}
	if len(key) != SessionKeySize {
		return nil, fmt.Errorf("decrypting session key: %d bytes, want %d: %w", len(key), SessionKeySize, ErrInvalidSessionKey)
	}
	return key, nil
}

func checkBlobHeader(b []byte, typ byte, alg uint32) error {
	if b[0] != typ || b[1] != blobVersion || b[2] != 0 || b[3] != 0 {
		return fmt.Errorf("header % X, want %02X %02X 00 00: %w", b[0:4], typ, blobVersion, ErrInvalidKeyBlob)
	}
	if got := binary.LittleEndian.Uint32(b[4:8]); got != alg {
		return fmt.Errorf("aiKeyAlg 0x%08X, want 0x%08X: %w", got, alg, ErrInvalidKeyBlob)
	}
	return nil
}
