//go:build !unix

package authz

import (
	"context"
	"errors"
)

// lockFile is not implemented off Unix: psgate writes rules on Unix only.
func lockFile(context.Context, string) (*fileLock, error) {
	return nil, errors.New("locking rules: file locks need a Unix system")
}
