//go:build unix

package atomicfile

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteFileBackupAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(path, []byte("one"), 0o600, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("file = %q, want two", b)
	}
	if b, _ := os.ReadFile(path + ".bak"); string(b) != "one" {
		t.Errorf("backup = %q, want one", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	sig, err := StatSig(path)
	if err != nil || !sig.Exists() {
		t.Fatalf("StatSig = %v, %v", sig, err)
	}
	WriteFile(path, []byte("three"), 0o600, false)
	if again, _ := StatSig(path); again == sig {
		t.Error("a replaced file has the same signature")
	}
}

func TestRemoveStaleTempsOnlyItsPattern(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	stale := filepath.Join(dir, TempPrefix(path)+"123")
	other := filepath.Join(dir, TempPrefix(path)+"x1")
	os.WriteFile(stale, nil, 0o600)
	os.WriteFile(other, nil, 0o600)
	RemoveStaleTemps(path, slog.New(slog.DiscardHandler))
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale temp file kept")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("a file not of the pattern was removed")
	}
}

func TestLockExcludesAndCancels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.lock")
	_, unlock, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := Lock(ctx, path); err == nil {
		t.Fatal("a second lock was granted while the first is held")
	}
	unlock()
	_, unlock2, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}
