package authz

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"
)

// fileLock is the writers' exclusive lock on Path+".lock". The lock file
// also records the last write (stampWrite), so that a rules file deleted
// after psgate wrote it is told apart from one never written.
type fileLock struct {
	f       *os.File
	release func()
}

func (l *fileLock) unlock() { l.release() }

// stampPrefix starts the line a write leaves in the lock file.
const stampPrefix = "psgate rules lock; last write: "

// stampWrite records in the lock file that n rules were just written.
func (l *fileLock) stampWrite(n int, now time.Time) error {
	line := fmt.Sprintf("%s%s at %s\n", stampPrefix, countRules(n), now.UTC().Format(time.RFC3339))
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("stamping %q: %w", l.f.Name(), err)
	}
	if _, err := l.f.WriteAt([]byte(line), 0); err != nil {
		return fmt.Errorf("stamping %q: %w", l.f.Name(), err)
	}
	return nil
}

// lastWrite returns what stampWrite recorded ("5 rules at <time>"), or "" when
// the lock file records no write (new, or from a psgate before the stamp).
func (l *fileLock) lastWrite() string {
	buf := make([]byte, 128)
	n, err := l.f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return ""
	}
	line, ok := bytes.CutPrefix(bytes.TrimSpace(buf[:n]), []byte(stampPrefix))
	if !ok {
		return ""
	}
	return string(line)
}
