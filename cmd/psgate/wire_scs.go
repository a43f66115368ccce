package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCookieStore is an scs.Store in Redis, so that every gateway of a
// cluster knows every sign-in (the cookie holds only the token).
type redisCookieStore struct {
	c      redis.UniversalClient
	prefix string // default "psgate:scs:"
}

func (s redisCookieStore) key(token string) string {
	if s.prefix == "" {
		return "psgate:scs:" + token
	}
	return s.prefix + token
}

// Find implements scs.Store.
func (s redisCookieStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s redisCookieStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s redisCookieStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// FindCtx implements scs.CtxStore.
func (s redisCookieStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, err := s.c.Get(ctx, s.key(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find sign-in session: %w", err)
	}
	return b, true, nil
}

// CommitCtx implements scs.CtxStore.
func (s redisCookieStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ttl := time.Until(expiry)
	if ttl <= 0 {
		return s.DeleteCtx(ctx, token)
	}
	if err := s.c.Set(ctx, s.key(token), b, ttl).Err(); err != nil {
		return fmt.Errorf("commit sign-in session: %w", err)
	}
	return nil
}

// DeleteCtx implements scs.CtxStore.
func (s redisCookieStore) DeleteCtx(ctx context.Context, token string) error {
	if err := s.c.Del(ctx, s.key(token)).Err(); err != nil {
		return fmt.Errorf("delete sign-in session: %w", err)
	}
	return nil
}
