//go:build unix

package winrmsim

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// SambaKerberos is what a Kerberos test needs from the test domain of
// deploy/testenv/samba-ad.sh: a keytab for a service principal, a krb5.conf
// pointing at the DC's KDC and the fixture's realm and user password.
type SambaKerberos struct {
	Realm        string // EXAMPLE.TEST
	SPN          string // e.g. HTTP/winsrv01.example.test
	Keytab       []byte // the SPN's keys, for Config.Keytab
	Krb5Conf     string // path of a krb5.conf for Realm (KDC 127.0.0.1:88, no DNS)
	UserPassword string // password of the fixture users (alice, bob, …)
}

// NewSambaKerberos makes sure the account "account" of the Samba test domain
// in sambaDir ($PSGATE_TEST_SAMBA_DIR) exists and carries spn (created when
// missing, so it survives samba-ad.sh restarts, which restore a pristine
// database), exports the SPN's keytab and writes a krb5.conf, both into
// tmpDir. It runs samba-tool on the DC's own database (as root, like
// samba-ad.sh) under a lock shared by concurrent test processes. An SPN
// belongs to one account in a domain, so the account is fixed while the
// keytab and krb5.conf are per run.
func NewSambaKerberos(ctx context.Context, sambaDir, tmpDir, account, spn string) (*SambaKerberos, error) {
	env, err := readFixtureEnv(filepath.Join(sambaDir, "fixture.env"))
	if err != nil {
		return nil, err
	}
	k := &SambaKerberos{Realm: env["REALM"], SPN: spn, UserPassword: env["USER_PASSWORD"]}
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

func readFixtureEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("samba fixture: %w", err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("samba fixture %s: %w", path, err)
	}
	return env, nil
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

// TB is the part of testing.TB that SambaKerberosFromEnv uses (so that this
// package, linked into psgate winrm-sim, does not import testing).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skip(args ...any)
	TempDir() string
}

// SambaKerberosFromEnv is NewSambaKerberos for a test or benchmark: the test
// domain comes from $PSGATE_TEST_SAMBA_DIR and $PSGATE_TEST_SAMBA_URL
// (deploy/testenv/samba-ad.sh); without them tb skips, or fails when
// PSGATE_TEST_REQUIRE=1. The keytab and krb5.conf go to tb.TempDir().
func SambaKerberosFromEnv(tb TB, account, spn string) *SambaKerberos {
	tb.Helper()
	dir := os.Getenv("PSGATE_TEST_SAMBA_DIR")
	if dir == "" || os.Getenv("PSGATE_TEST_SAMBA_URL") == "" {
		const why = "PSGATE_TEST_SAMBA_DIR / PSGATE_TEST_SAMBA_URL not set (deploy/testenv/samba-ad.sh)"
		if os.Getenv("PSGATE_TEST_REQUIRE") == "1" {
			tb.Fatalf("%s", why)
		}
		tb.Skip(why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, err := NewSambaKerberos(ctx, dir, tb.TempDir(), account, spn)
	if err != nil {
		tb.Fatalf("samba kerberos fixture: %v", err)
	}
	return k
}
