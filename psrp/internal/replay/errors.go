package replay

import "errors"

// Sentinel errors of the package.
var (
	// ErrNoElement reports a document or envelope missing an element it needs.
	ErrNoElement = errors.New("replay: element missing")
	// ErrBadFixture reports a recording that does not have the expected shape.
	ErrBadFixture = errors.New("replay: malformed fixture")
	// ErrBadPayload reports a payload that is not valid base64.
	ErrBadPayload = errors.New("replay: invalid payload")
)
