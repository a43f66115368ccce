package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// SharedSecret returns the cluster's secret called name (32 random bytes),
// creating it when no gateway has yet: the first writer wins (SET NX) and
// every gateway reads the same value. It signs the sign-in form's CSRF
// tokens, so that a form fetched from one gateway can be posted to another
// behind a non-sticky load balancer. It is a random key, never a password.
func (r *RedisRegistry) SharedSecret(ctx context.Context, name string) ([]byte, error) {
	key := r.prefix + "secret:" + name
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	if err := r.c.SetNX(ctx, key, b, 0).Err(); err != nil {
		return nil, fmt.Errorf("shared secret %q: %w", name, err)
	}
	got, err := r.c.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, fmt.Errorf("shared secret %q: gone right after it was set", name)
	case err != nil:
		return nil, fmt.Errorf("shared secret %q: %w", name, err)
	case len(got) != 32:
		return nil, fmt.Errorf("shared secret %q: %d bytes in redis, want 32", name, len(got))
	}
	return got, nil
}
