//go:build unix

package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Kerberos is what a Kerberos test needs from the test domain of
// deploy/testenv/samba-ad.sh: a keytab for a service principal, a krb5.conf
// pointing at the DC's KDC and the fixture's realm and user password.
type Kerberos struct {
	Realm        string // EXAMPLE.TEST
	SPN          string // e.g. HTTP/winsrv01.example.test
	Keytab       []byte // the SPN's keys, for Config.Keytab
	Krb5Conf     string // path of a krb5.conf for Realm (KDC 127.0.0.1:88, no DNS)
	UserPassword string // password of the fixture users (alice, bob, …)
}

// newSambaKerberos makes sure the account "account" of the Samba test domain
// in sambaDir ($PSGATE_TEST_SAMBA_DIR, whose fixture.env is env) exists and carries spn (created when
// missing, so it survives samba-ad.sh restarts, which restore a pristine
// database), exports the SPN's keytab and writes a krb5.conf, both into
// tmpDir. It runs samba-tool on the DC's own database (as root, like
// samba-ad.sh) under a lock shared by concurrent test processes. An SPN
// belongs to one account in a domain, so the account is fixed while the
// keytab and krb5.conf are per run.
func newSambaKerberos(ctx context.Context, sambaDir string, env map[string]string, tmpDir, account, spn string) (*Kerberos, error) {
	k := &Kerberos{Realm: env["REALM"], SPN: spn, UserPassword: env["USER_PASSWORD"]}
	if k.Realm == "" || k.UserPassword == "" {
		return nil, fmt.Errorf("samba fixture %s: REALM or USER_PASSWORD missing", sambaDir)
	}
	unlock, err := lockFile(filepath.Join(sambaDir, "psgate-kerberos.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	tool := func(args ...string) (string, error) {
		if args[0] != "domain" { // exportkeytab has no -H: it finds sam.ldb through smb.conf
			args = append(args, "-H", filepath.Join(sambaDir, "private", "sam.ldb"))
		}
		args = append([]string{"/usr/bin/samba-tool"}, args...)
		args = append(args, "-s", filepath.Join(sambaDir, "etc", "smb.conf"))
		// Debian's python: a pyenv python3 on PATH cannot see samba's modules.
		out, err := exec.CommandContext(ctx, "/usr/bin/python3", args...).CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("samba-tool %s %s: %w: %s", args[1], args[2], err, bytes.TrimSpace(out))
		}
		return string(out), nil
	}
	if _, err := tool("user", "show", account); err != nil {
		if _, err := tool("user", "create", account, "--random-password"); err != nil {
			return nil, err
		}
	}
	spns, err := tool("spn", "list", account)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(strings.ToLower(spns), strings.ToLower(spn)) {
		if _, err := tool("spn", "add", spn, account); err != nil {
			return nil, err
		}
	}
	ktPath := filepath.Join(tmpDir, "service.keytab")
	if _, err := tool("domain", "exportkeytab", ktPath, "--principal="+spn); err != nil {
		return nil, err
	}
	if k.Keytab, err = os.ReadFile(ktPath); err != nil {
		return nil, fmt.Errorf("reading keytab: %w", err)
	}
	k.Krb5Conf = filepath.Join(tmpDir, "krb5.conf")
	if err := os.WriteFile(k.Krb5Conf, []byte(Krb5Conf(k.Realm, "127.0.0.1:88")), 0o600); err != nil {
		return nil, fmt.Errorf("writing krb5.conf: %w", err)
	}
	return k, nil
}

// Krb5Conf is a krb5.conf for one realm and KDC, without DNS lookups, over
// TCP, mapping the realm's DNS domain to the realm.
func Krb5Conf(realm, kdc string) string {
	dom := strings.ToLower(realm)
	enc := "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 rc4-hmac"
	return fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	udp_preference_limit = 1
	default_tkt_enctypes = %[4]s
	default_tgs_enctypes = %[4]s
	permitted_enctypes = %[4]s

[realms]
	%[1]s = {
		kdc = %[2]s
	}

[domain_realm]
	.%[3]s = %[1]s
	%[3]s = %[1]s
`, realm, kdc, dom, enc)
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
}

// SambaKerberos is the Kerberos fixture of the Samba test domain (Samba)
// for a test or benchmark: account carries spn, and the keytab and
// krb5.conf go to t.TempDir(). t skips (fails with PSGATE_TEST_REQUIRE=1)
// without the test domain, and fails when the fixture cannot be made.
func SambaKerberos(t testing.TB, account, spn string) *Kerberos {
	t.Helper()
	s := Samba(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, err := newSambaKerberos(ctx, s.Dir, s.Fixture, t.TempDir(), account, spn)
	if err != nil {
		t.Fatalf("samba kerberos fixture: %v", err)
	}
	return k
}
