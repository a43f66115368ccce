package local

import "errors"

// Sentinel errors; the returned errors wrap them with detail for the logs.
var (
	// ErrInvalidCredentials: unknown user, wrong or empty password.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrAccountDisabled: the password was right but the account is disabled.
	ErrAccountDisabled = errors.New("account disabled")
	// ErrNotFound: no user of that name (Remove, SetPassword, SetGroups).
	ErrNotFound = errors.New("user not found")
	// ErrExists: Add of a name that is already taken (case-insensitively).
	ErrExists = errors.New("user already exists")
	// ErrInvalidName: a user or group name outside the allowed characters.
	ErrInvalidName = errors.New("invalid name")
	// ErrWeakPassword: a new password shorter than MinPasswordLength.
	ErrWeakPassword = errors.New("password too short")
	// ErrInvalidFile: the users file does not parse or holds a bad entry.
	ErrInvalidFile = errors.New("invalid users file")
)
