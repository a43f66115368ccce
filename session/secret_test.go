package session

import (
	"bytes"
	"sync"
	"testing"
)

// TestSharedSecret: gateways asking at once for the same secret all get
// one value, 32 bytes; another name is another secret.
func TestSharedSecret(t *testing.T) {
	c, prefix := redisClient(t)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got [][]byte
	)
	for range 8 {
		wg.Go(func() {
			b, err := newRedisRegistry(t, c, prefix, nil).SharedSecret(t.Context(), "csrf")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, b)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, b := range got {
		if len(b) != 32 || !bytes.Equal(b, got[0]) {
			t.Fatalf("secrets differ or are not 32 bytes: %x vs %x", b, got[0])
		}
	}
	other, err := newRedisRegistry(t, c, prefix, nil).SharedSecret(t.Context(), "other")
	if err != nil || bytes.Equal(other, got[0]) {
		t.Errorf("another name: %x, %v", other, err)
	}
}
