//go:build !unix

package atomicfile

import (
	"context"
	"errors"
	"os"
)

// Lock is not implemented off Unix: psgate writes its shared files on Unix only.
func Lock(context.Context, string) (*os.File, func(), error) {
	return nil, nil, errors.New("locking: file locks need a Unix system")
}
