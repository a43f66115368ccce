//go:build unix

package authz

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// within runs fn and fails the test if it has not returned after d (the
// rules file must never hang a reload or a write).
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// writeRules writes rules as the file at path (replacing whatever is there).
func writeRules(t *testing.T, path string, rs []Rule) {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, rs); err != nil {
		t.Fatal(err)
	}
	replaceWith(t, path, func(tmp string) error { return os.WriteFile(tmp, buf.Bytes(), 0o644) })
}

// replaceWith makes path what mk creates, by a rename (as an editor or a
// mistaken admin would), so the store sees a new file.
func replaceWith(t *testing.T, path string, mk func(tmp string) error) {
	t.Helper()
	tmp := path + ".new"
	os.RemoveAll(tmp)
	if err := mk(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// fileKinds make a rules path that is not a regular file.
var fileKinds = []struct {
	name string
	mk   func(t *testing.T, tmp string) error
}{
	{"fifo", func(_ *testing.T, tmp string) error { return syscall.Mkfifo(tmp, 0o644) }},
	{"directory", func(_ *testing.T, tmp string) error { return os.Mkdir(tmp, 0o755) }},
	{"symlink to /dev/null", func(_ *testing.T, tmp string) error { return os.Symlink("/dev/null", tmp) }},
	{"symlink to /dev/zero", func(_ *testing.T, tmp string) error { return os.Symlink("/dev/zero", tmp) }},
	{"socket", func(t *testing.T, tmp string) error {
		l, err := net.Listen("unix", tmp)
		if err == nil {
			l.(*net.UnixListener).SetUnlinkOnClose(false)
			t.Cleanup(func() { l.Close() })
		}
		return err
	}},
	{"dangling symlink", func(_ *testing.T, tmp string) error { return os.Symlink(tmp+".gone", tmp) }},
	{"symlink to a fifo", func(_ *testing.T, tmp string) error {
		if err := syscall.Mkfifo(tmp+".fifo", 0o644); err != nil {
			return err
		}
		return os.Symlink(tmp+".fifo", tmp)
	}},
}

// reqA is allowed by the rule D\a|*|* the tests start with.
var reqA = Request{Caller: caller(`D\a`), Target: Target{Name: "x"}}

// checkRecovers writes an empty rule set at path (a revocation) and checks
// that s has it in force at once and reports no error.
func checkRecovers(t *testing.T, s *Store, path string) {
	t.Helper()
	writeRules(t, path, nil)
	var err error
	within(t, 5*time.Second, "reload of the next good file", func() { err = s.Err() })
	if err != nil || s.Decide(reqA).Allowed {
		t.Fatalf("next good file: Err() = %v, still allowed %v", err, s.Decide(reqA).Allowed)
	}
}

// shortDir is a temp folder with a short path (a socket path has at most
// 108 bytes).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "az")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestStoreNonRegularFile replaces a loaded rules file with each kind of
// non-regular file: the reload must not hang, must keep the last good rules,
// report the path and the kind through Err (hence /readyz), and the next
// good file must take effect. Writers refuse the path without hanging.
func TestStoreNonRegularFile(t *testing.T) {
	for _, k := range fileKinds {
		t.Run(k.name, func(t *testing.T) {
			path := filepath.Join(shortDir(t), "AuthorizationRules.xml")
			writeRules(t, path, rules(`D\a|*|*`))
			var log bytes.Buffer
			s := newStore(t, path, &log)
			replaceWith(t, path, func(tmp string) error { return k.mk(t, tmp) })
			var err error
			within(t, 5*time.Second, "reload of a "+k.name, func() { err = s.Err() })
			if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), path) {
				t.Errorf("Err() = %v, want ErrNotRegularFile naming %s", err, path)
			}
			if !s.Decide(reqA).Allowed {
				t.Error("the last good rules were dropped")
			}
			within(t, 5*time.Second, "a write on a "+k.name, func() {
				_, err = s.Add(context.Background(), rules(`D\b|*|*`))
			})
			if !errors.Is(err, ErrNotRegularFile) {
				t.Errorf("Add over a %s: %v, want ErrNotRegularFile", k.name, err)
			}
			checkRecovers(t, s, path)
			if n := strings.Count(log.String(), "level=ERROR"); n != 1 {
				t.Errorf("%d errors logged, want 1:\n%s", n, log.String())
			}
		})
	}
}

// FuzzStoreReload swaps the rules file for a file of any kind and content:
// a reload never hangs, a file that does not load keeps the last good rules
// with an error that quotes at most a short excerpt of the content, and the
// next good file always takes effect.
func FuzzStoreReload(f *testing.F) {
	f.Add(uint8(0), []byte("<Rules />"))
	f.Add(uint8(0), []byte("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"))
	f.Add(uint8(0), []byte("<Rules><Rule><Id>1</Id><Name>\x1b]0;x\x07"+strings.Repeat("k", 500)+"</Name></Rule></Rules>"))
	for i := range fileKinds {
		f.Add(uint8(i+1), []byte{})
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		path := filepath.Join(shortDir(t), "AuthorizationRules.xml")
		writeRules(t, path, rules(`D\a|*|*`))
		s := newStore(t, path, nil)
		k := int(kind) % (len(fileKinds) + 1)
		if k == 0 {
			replaceWith(t, path, func(tmp string) error { return os.WriteFile(tmp, data, 0o644) })
		} else {
			replaceWith(t, path, func(tmp string) error { return fileKinds[k-1].mk(t, tmp) })
		}
		var err error
		within(t, 5*time.Second, "reload", func() { err = s.Err() })
		if err != nil {
			if !s.Decide(reqA).Allowed {
				t.Fatalf("a file that does not load (%v) dropped the last good rules", err)
			}
			if k != 0 && !errors.Is(err, ErrNotRegularFile) {
				t.Fatalf("%s: Err() = %v, want ErrNotRegularFile", fileKinds[k-1].name, err)
			}
			if msg := strings.ReplaceAll(err.Error(), path, ""); len(msg) > 600 {
				t.Fatalf("error of %d bytes quotes too much: %.200s…", len(msg), msg)
			}
		} else if k != 0 {
			t.Fatalf("%s loaded", fileKinds[k-1].name)
		}
		checkRecovers(t, s, path)
	})
}

// TestStoreSizeCap refuses a file over the cap without reading it (a sparse
// file of 64 MiB + 1 byte here), keeps the last good rules, and reads no more
// than the cap + 1 byte of a file that grows while it is read.
func TestStoreSizeCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	writeRules(t, path, rules(`D\a|*|*`))
	s := newStore(t, path, nil)
	replaceWith(t, path, func(tmp string) error {
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Truncate(DefaultMaxFileSize + 1)
	})
	err := s.Err()
	if !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), "67108865 bytes") {
		t.Errorf("Err() = %v, want ErrFileTooLarge naming the size", err)
	}
	if s.Policy().Len() != 1 {
		t.Errorf("%d rules in force, want the last good 1", s.Policy().Len())
	}
	// A configured cap.
	small, err := OpenStore(StoreConfig{Path: path, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	writeRules(t, path, rules(`D\b|*|*`))
	if err := small.Err(); !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), "limit of 100") {
		t.Errorf("cap of 100 bytes: Err() = %v", err)
	}
	// An endless reader (a file growing as it is read) stops at cap + 1.
	r := &countingZeros{}
	if _, err := readCapped(r, 10, 1000); !errors.Is(err, ErrFileTooLarge) || r.n != 1001 {
		t.Errorf("endless reader: %v after %d bytes, want ErrFileTooLarge after 1001", err, r.n)
	}
}

type countingZeros struct{ n int }

func (z *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += len(p)
	return len(p), nil
}

// TestStoreReadTimeout makes a read block (as on a hung network file
// system): the reload gives up after ReadTimeout keeping the last good rules,
// starts no second read while the first hangs, and loads the file once the
// read has returned.
func TestStoreReadTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	writeRules(t, path, rules(`D\a|*|*`))
	s, err := OpenStore(StoreConfig{Path: path, ReadTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var calls atomic.Int32
	s.read = func(path string, max int64) ([]Rule, fs.FileInfo, error) {
		calls.Add(1)
		<-release
		return readRules(path, max)
	}
	writeRules(t, path, rules(`D\a|*|*`, `D\b|*|*`))
	for range 3 {
		within(t, time.Second, "reload with a hung read", func() { err = s.Err() })
		if !errors.Is(err, ErrReadTimeout) || s.Policy().Len() != 1 {
			t.Errorf("Err() = %v with %d rules, want ErrReadTimeout and the last good 1", err, s.Policy().Len())
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d reads started while the first hung, want 1", n)
	}
	close(release)
	deadline := time.Now().Add(2 * time.Second)
	for s.Policy().Len() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s.Err() != nil || s.Policy().Len() != 2 {
		t.Errorf("after the read returned: Err() = %v, %d rules", s.Err(), s.Policy().Len())
	}
}
