package mfa

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzReadFile: any factor file is loaded or refused, never a panic; a
// loaded one has a users map.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"users":{"local:a":{"name":"a","factors":[{"id":"1","kind":"totp","sealed":"AAAA","last_step":5}]}}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2,"users":{}}`))
	f.Add([]byte(`{not json`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "mfa.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fl, _, err := readFile(path)
		if err == nil && fl.Users == nil {
			t.Fatal("a loaded file without a users map")
		}
	})
}

// FuzzCheckCodes: any typed code is refused or accepted without a panic,
// and a TOTP check never accepts a step at or before the last one used.
func FuzzCheckCodes(f *testing.F) {
	f.Add("123456", int64(0))
	f.Add("ABCD-EFGH-IJKL-MNOP", int64(1))
	f.Add("", int64(-1))
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, code string, last int64) {
		if step := checkTOTP("JBSWY3DPEHPK3PXP", code, last, now); step != 0 && step <= last {
			t.Fatalf("step %d accepted after last %d", step, last)
		}
		matchCode([]string{hashCode("ABCD-EFGH-IJKL-MNOP")}, code)
	})
}
