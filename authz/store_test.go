package authz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newStore(t *testing.T, path string, log *bytes.Buffer) *Store {
	t.Helper()
	cfg := StoreConfig{Path: path, Options: testOpts}
	if log != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	s, err := OpenStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreAddRemoveModify(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	s := newStore(t, path, nil)
	if !errors.Is(s.Err(), ErrNoRulesFile) {
		t.Errorf("missing file: Err() = %v", s.Err())
	}
	in := rules(`D\a|*|*`, `D\b|*|*`, `D\c|*|*`)
	in[1].Name = ""
	added, err := s.Add(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{0, 1, 2}, ids(added)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if added[1].Name != "Rule 1" {
		t.Errorf("default name %q", added[1].Name)
	}
	if s.Err() != nil || s.Policy().Len() != 3 {
		t.Fatalf("after add: err %v, %d rules", s.Err(), s.Policy().Len())
	}
	if _, err := s.Remove(ctx, []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	// The lowest free Id is reused, as PSWA does.
	added, err = s.Add(ctx, rules(`D\d|*|*`, `D\e|*|*`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 3}, ids(added)); diff != "" {
		t.Errorf("reused ids (-want +got):\n%s", diff)
	}
	// The stale-Id guard refuses and removes nothing.
	stale := errors.New("content differs")
	_, err = s.Remove(ctx, []int{0, 1}, func(r Rule) error {
		if r.User != `D\b` && r.ID == 1 {
			return stale
		}
		return nil
	})
	if !errors.Is(err, stale) || s.Policy().Len() != 4 {
		t.Errorf("stale remove: %v, %d rules", err, s.Policy().Len())
	}
	if _, err := s.Remove(ctx, []int{9}, nil); !errors.Is(err, ErrRuleNotFound) {
		t.Errorf("remove missing: %v", err)
	}
	r, err := s.Modify(ctx, 3, func(r Rule) (Rule, error) { r.ConfigurationName = "E1"; return r, nil })
	if err != nil || r.ID != 3 || r.ConfigurationName != "E1" {
		t.Errorf("modify: %+v %v", r, err)
	}
	if _, err := s.Modify(ctx, 3, func(r Rule) (Rule, error) { r.User = "x*"; return r, nil }); !errors.Is(err, ErrPartialWildcard) {
		t.Errorf("modify to invalid: %v", err)
	}
	// A backup of the previous version exists and parses.
	bak, err := os.ReadFile(path + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	if prev, err := Decode(bytes.NewReader(bak)); err != nil || len(prev) != 4 {
		t.Errorf("backup: %d rules, %v", len(prev), err)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(matches) != 0 {
		t.Errorf("temp files left: %v", matches)
	}
}

func TestStoreReloadAndCorruptFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	var log bytes.Buffer
	reader := newStore(t, path, &log)
	writer := newStore(t, path, nil) // another process or gateway sharing the file
	if _, err := writer.Add(ctx, rules(`D\a|*|*`)); err != nil {
		t.Fatal(err)
	}
	req := Request{Caller: caller(`D\a`), Target: Target{Name: "x"}}
	if !reader.Decide(req).Allowed {
		t.Fatal("reader did not notice the new rule")
	}
	// A hand edit that breaks the file keeps the last good rules in force.
	if err := os.WriteFile(path, []byte("<Rules><Rule><Id>0</Id><Bogus/></Rule></Rules>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !reader.Decide(req).Allowed {
		t.Error("corrupt file replaced the last good rules")
	}
	var pe *ParseError
	if err := reader.Err(); !errors.As(err, &pe) || pe.Element != "Bogus" {
		t.Errorf("Err() = %v, want a ParseError naming Bogus", err)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "Bogus") {
		t.Errorf("no error logged: %s", log.String())
	}
	if n := strings.Count(log.String(), "Bogus"); n != 1 {
		t.Errorf("error logged %d times, want once per bad version", n)
	}
	// Writers refuse to overwrite it (it is never replaced by an empty file).
	if _, err := writer.Add(ctx, rules(`D\b|*|*`)); !errors.As(err, &pe) {
		t.Errorf("add over corrupt file: %v", err)
	}
	if data, _ := os.ReadFile(path); !bytes.Contains(data, []byte("Bogus")) {
		t.Error("corrupt file was overwritten")
	}
	// Fixing the file brings the new rules in and clears the error.
	var buf bytes.Buffer
	Encode(&buf, rules(`D\z|*|*`))
	os.WriteFile(path, buf.Bytes(), 0o644)
	if reader.Decide(req).Allowed || !reader.Decide(Request{Caller: caller(`D\z`), Target: Target{Name: "x"}}).Allowed {
		t.Error("fixed file not loaded")
	}
	if reader.Err() != nil {
		t.Errorf("Err() after fix = %v", reader.Err())
	}
	// Deleting the file keeps the last rules and says so.
	os.Remove(path)
	if !errors.Is(reader.Err(), ErrNoRulesFile) || reader.Policy().Len() != 1 {
		t.Errorf("after delete: %v, %d rules", reader.Err(), reader.Policy().Len())
	}
}

// TestStoreConcurrentWriters runs writers with their own Store (own lock file
// descriptor, as separate processes have) and checks no add is lost.
func TestStoreConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newStore(t, path, nil)
			for i := range each {
				_, err := s.Add(context.Background(), []Rule{rule(-1, fmt.Sprintf(`D\w%d-%d|*|*`, w, i))})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t, path, nil)
	got := s.Policy().Rules()
	if len(got) != writers*each {
		t.Fatalf("%d rules, want %d", len(got), writers*each)
	}
	for i, r := range got {
		if r.ID != i {
			t.Fatalf("Ids not 0..%d: rule %d at %d", len(got)-1, r.ID, i)
		}
	}
}

func TestStoreLockHonoursContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	lk, err := lockFile(context.Background(), path+".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lk.unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s := newStore(t, path, nil)
	if _, err := s.Add(ctx, rules(`D\a|*|*`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("add while locked: %v", err)
	}
}

// TestStoreConcurrentReaders decides from many goroutines while a writer
// changes the file (run with -race): every decision sees either the old or
// the new rules, and afterwards everyone sees the new ones.
func TestStoreConcurrentReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "AuthorizationRules.xml")
	ctx := context.Background()
	w := newStore(t, path, nil)
	if _, err := w.Add(ctx, rules(`D\a|*|*`)); err != nil {
		t.Fatal(err)
	}
	r := newStore(t, path, nil)
	a := Request{Caller: caller(`D\a`), Target: Target{Name: "x"}}
	b := Request{Caller: caller(`D\b`), Target: Target{Name: "x"}}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !r.Decide(a).Allowed {
					t.Error("rule of D\\a lost during reload")
					return
				}
			}
		}()
	}
	for i := range 20 {
		if _, err := w.Add(ctx, []Rule{rule(-1, fmt.Sprintf(`D\x%d|*|*`, i))}); err != nil {
			t.Error(err)
		}
	}
	if _, err := w.Add(ctx, rules(`D\b|*|*`)); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if !r.Decide(b).Allowed || r.Policy().Len() != 22 {
		t.Errorf("after writes: b allowed %v, %d rules", r.Decide(b).Allowed, r.Policy().Len())
	}
}
