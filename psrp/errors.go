package psrp

import "errors"

// Sentinel errors; every error this package returns wraps one of them, so
// callers classify with errors.Is.
var (
	// ErrTruncated reports data that ends inside a fragment or message header
	// or inside a fragment's blob.
	ErrTruncated = errors.New("psrp: truncated data")
	// ErrInvalidFragment reports a fragment header that breaks MS-PSRP 2.2.4
	// (reserved flag bits set).
	ErrInvalidFragment = errors.New("psrp: invalid fragment")
	// ErrFragmentSequence reports fragments out of protocol order: a first
	// fragment without the start flag, a start flag on a later fragment, or a
	// gap in the fragment ids of one object.
	ErrFragmentSequence = errors.New("psrp: fragment out of sequence")
	// ErrTooLarge reports a message, or a fragment blob, above the configured
	// maximum message size.
	ErrTooLarge = errors.New("psrp: message too large")
	// ErrTooManyObjects reports more partly received objects than allowed.
	ErrTooManyObjects = errors.New("psrp: too many objects in flight")
	// ErrInvalidMessage reports a message header that cannot be decoded.
	ErrInvalidMessage = errors.New("psrp: invalid message")
	// ErrUnknownMessageType reports a message type MS-PSRP 2.2.1 does not list.
	ErrUnknownMessageType = errors.New("psrp: unknown message type")
	// ErrInvalidGUID reports text that is not a GUID.
	ErrInvalidGUID = errors.New("psrp: invalid GUID")
	// ErrInvalidConfig reports a configuration value out of range.
	ErrInvalidConfig = errors.New("psrp: invalid configuration")
	// ErrInvalidKeyBlob reports a PUBLICKEYBLOB or SIMPLEBLOB that does not
	// have the layout MS-PSRP 2.2.2.3 and 2.2.2.4 require.
	ErrInvalidKeyBlob = errors.New("psrp: invalid key blob")
	// ErrInvalidSessionKey reports a session key that is not a 32-byte
	// AES-256 key, or one that cannot be decrypted.
	ErrInvalidSessionKey = errors.New("psrp: invalid session key")
	// ErrInvalidSecureString reports SecureString ciphertext that does not
	// decrypt to padded UTF-16LE.
	ErrInvalidSecureString = errors.New("psrp: invalid secure string")
)
