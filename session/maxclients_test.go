package session

import (
	"context"
	"errors"
	"testing"
)

// TestMaxClients: a session takes at most Config.MaxClients browsers at
// once (issue 12: 300 websockets attached to one session in a test, each
// getting every update); a slot frees when one detaches.
func TestMaxClients(t *testing.T) {
	m := newTestManager(t, Config{MaxClients: 3})
	s, err := m.Open(context.Background(), OpenRequest{User: "alice", Target: "web1"}, opener(nil))
	if err != nil {
		t.Fatal(err)
	}
	var detaches []func()
	for range 3 {
		d, err := s.Attach(&fakeClient{})
		if err != nil {
			t.Fatal(err)
		}
		detaches = append(detaches, d)
	}
	if _, err := s.Attach(&fakeClient{}); !errors.Is(err, ErrTooManyClients) {
		t.Fatalf("a fourth browser: %v, want ErrTooManyClients", err)
	}
	detaches[0]()
	if _, err := s.Attach(&fakeClient{}); err != nil {
		t.Errorf("after a detach: %v", err)
	}
	if _, err := NewManager(Config{MaxClients: -1}); err == nil {
		t.Error("MaxClients -1 accepted")
	}
}
