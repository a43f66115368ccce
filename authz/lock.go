package authz

import (
	"context"
	"fmt"

	"github.com/psgate/psgate/internal/atomicfile"
)

// lockFile takes the writers' exclusive lock on path (created if needed);
// ctx cancels the wait. Release it with unlock.
func lockFile(ctx context.Context, path string) (*fileLock, error) {
	f, unlock, err := atomicfile.Lock(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return &fileLock{f: f, release: unlock}, nil
}
