package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SignInStore keeps the gateway's sign-in (cookie) sessions in the
// registry's Redis, so that every gateway of a cluster knows every
// sign-in; the browser's cookie holds only the random token. Its methods
// are those of scs.Store and scs.CtxStore.
type SignInStore struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration // per call (RedisConfig.Timeout)
}

// SignInStore returns the sign-in store on the registry's connection, with
// keys "<prefix>signin:<token>" (default prefix "psgate:session:"). Every
// call is bounded by the registry's Timeout: every page loads and commits
// its sign-in, so a frozen Redis must fail it fast (the gateway answers 503).
func (r *RedisRegistry) SignInStore() *SignInStore {
	return &SignInStore{c: r.c, prefix: r.prefix + "signin:", timeout: r.timeout}
}

func (s *SignInStore) key(token string) string { return s.prefix + token }

// Find returns the sign-in session data of token; found is false when it
// does not exist or has expired.
func (s *SignInStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit stores the sign-in session data of token until expiry.
func (s *SignInStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes the sign-in session of token.
func (s *SignInStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// FindCtx is Find under ctx.
func (s *SignInStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	b, err := s.c.Get(ctx, s.key(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find sign-in session: %w", err)
	}
	return b, true, nil
}

// CommitCtx is Commit under ctx; an expiry in the past deletes.
func (s *SignInStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ttl := time.Until(expiry)
	if ttl <= 0 {
		return s.DeleteCtx(ctx, token)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.c.Set(ctx, s.key(token), b, ttl).Err(); err != nil {
		return fmt.Errorf("commit sign-in session: %w", err)
	}
	return nil
}

// DeleteCtx is Delete under ctx.
func (s *SignInStore) DeleteCtx(ctx context.Context, token string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.c.Del(ctx, s.key(token)).Err(); err != nil {
		return fmt.Errorf("delete sign-in session: %w", err)
	}
	return nil
}
