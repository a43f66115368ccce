package authz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Defaults of StoreConfig's limits on reading the rules file.
const (
	// DefaultMaxFileSize is the largest rules file loaded: 100,000 rules
	// take about 50 MB.
	DefaultMaxFileSize = 64 << 20
	// DefaultReadTimeout bounds one read of the rules file.
	DefaultReadTimeout = 10 * time.Second
)

// Sentinel errors of reading the rules file; match them with errors.Is.
var (
	// ErrNotRegularFile marks a rules path that is not a regular file or a
	// symlink to one (a FIFO, directory, device, socket, dangling symlink).
	ErrNotRegularFile = errors.New("not a regular file")
	// ErrFileTooLarge marks a rules file over StoreConfig.MaxFileSize.
	ErrFileTooLarge = errors.New("rules file too large")
	// ErrReadTimeout marks a read of the rules file that did not return
	// within StoreConfig.ReadTimeout (a hung network file system).
	ErrReadTimeout = errors.New("reading the rules file timed out")
)

// readResult is what one read of the rules file gave.
type readResult struct {
	rules []Rule
	fi    fs.FileInfo // the file read or refused; nil if none
	err   error
}

// readBounded reads the rules file through s.read, giving up after
// ReadTimeout or when ctx ends. A read that gave up is abandoned (a blocked
// read(2) cannot be interrupted) and, until it returns, no other read starts:
// the callers get an error at once instead of piling up blocked goroutines.
func (s *Store) readBounded(ctx context.Context) readResult {
	path := s.cfg.Path
	if s.stuck.Load() > 0 {
		return readResult{err: fmt.Errorf("loading rules %q: %w: an earlier read has not returned yet", path, ErrReadTimeout)}
	}
	ch := make(chan readResult, 1)
	go func() {
		rules, fi, err := s.read(path, s.cfg.MaxFileSize)
		ch <- readResult{rules, fi, err}
	}()
	t := time.NewTimer(s.cfg.ReadTimeout)
	defer t.Stop()
	var err error
	select {
	case r := <-ch:
		return r
	case <-t.C:
		err = fmt.Errorf("loading rules %q: %w after %v", path, ErrReadTimeout, s.cfg.ReadTimeout)
	case <-ctx.Done():
		err = fmt.Errorf("loading rules %q: %w", path, ctx.Err())
	}
	s.stuck.Add(1)
	go func() {
		<-ch
		s.stuck.Add(-1)
	}()
	return readResult{err: err}
}

// readRules reads and parses the file, returning the stat of the very file
// it read (or refused). Only a regular file, or a symlink to one, of at most
// max bytes is read: anything else is refused before it is opened, and the
// open is non-blocking and checked again in case the file was swapped
// meanwhile, so a FIFO never blocks and a device is never read.
func readRules(path string, max int64) ([]Rule, fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, statError(path, err)
	}
	if err := checkFile(path, fi, max); err != nil {
		return nil, fi, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fi, fmt.Errorf("loading rules %q: %w", path, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, nil, fmt.Errorf("loading rules %q: %w", path, err)
	}
	if err := checkFile(path, fi, max); err != nil {
		return nil, fi, err
	}
	data, err := readCapped(f, fi.Size(), max)
	if err != nil {
		return nil, fi, fmt.Errorf("loading rules %q: %w", path, err)
	}
	rules, err := DecodeBytes(data)
	if err != nil {
		return nil, fi, fmt.Errorf("loading rules %q: %w", path, err)
	}
	return rules, fi, nil
}

// statError explains a failed stat of the rules path: missing
// (ErrNoRulesFile), a dangling symlink (ErrNotRegularFile), or other.
func statError(path string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("loading rules %q: %w", path, err)
	}
	if target, lerr := os.Readlink(path); lerr == nil {
		return fmt.Errorf("loading rules %q: %w: a symlink to %s, which does not exist",
			path, ErrNotRegularFile, excerpt(target))
	}
	return fmt.Errorf("loading rules %q: %w", path, ErrNoRulesFile)
}

// checkFile refuses what is not a regular file or is over max bytes.
func checkFile(path string, fi fs.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("loading rules %q: %w: it is %s", path, ErrNotRegularFile, fileKind(fi.Mode()))
	}
	if fi.Size() > max {
		return fmt.Errorf("loading rules %q: %w: %d bytes, over the limit of %d (StoreConfig.MaxFileSize)",
			path, ErrFileTooLarge, fi.Size(), max)
	}
	return nil
}

// fileKind names the type of a file mode for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return fmt.Sprintf("a file of mode %v", m.Type())
}

// readCapped reads r, of size bytes by its stat, but never more than max+1
// bytes: a file that grows past max while it is read is refused too.
func readCapped(r io.Reader, size, max int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(size, max)) + 1)
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("%w: over the limit of %d bytes (StoreConfig.MaxFileSize)", ErrFileTooLarge, max)
	}
	return buf.Bytes(), nil
}
