package authz

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrRulesFileGone marks a rules file that is missing although psgate wrote
// it before: writing a new one would silently revoke every rule the gateways
// still hold in memory.
var ErrRulesFileGone = errors.New("rules file is missing but psgate wrote it before")

// checkNeverWritten refuses to start a new rules file where one existed: a
// Path+".bak" beside it, or a write recorded in the lock file (lk, held),
// shows that. The error says what is in force; StoreConfig.Recreate skips
// the check.
func (s *Store) checkNeverWritten(lk *fileLock) error {
	var seen []string
	if last := lk.lastWrite(); last != "" {
		seen = append(seen, "the last write left "+excerptText(last))
	}
	bak := s.cfg.Path + ".bak"
	if _, err := os.Lstat(bak); err == nil {
		seen = append(seen, fmt.Sprintf("%s holds %s", bak, s.describeBackup(bak)))
	}
	if len(seen) == 0 {
		return nil
	}
	return fmt.Errorf("writing rules %q: %w (%s); the gateways keep the rules they last loaded until it is back: "+
		"restore it", s.cfg.Path, ErrRulesFileGone, strings.Join(seen, "; "))
}

// describeBackup says how many rules the backup holds, or why it does not
// load.
func (s *Store) describeBackup(bak string) string {
	rules, _, err := readRules(bak, s.cfg.MaxFileSize)
	if err != nil {
		return fmt.Sprintf("a file that does not load (%v)", err)
	}
	return countRules(len(rules))
}

// countRules is "1 rule" or "n rules".
func countRules(n int) string {
	if n == 1 {
		return "1 rule"
	}
	return fmt.Sprintf("%d rules", n)
}
