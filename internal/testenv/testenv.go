// Package testenv is what psgate's tests share about their environment: the
// real components they run against (Redis, slapd, Samba AD, Chromium,
// python3-winrm), named by the PSGATE_TEST_* variables that the Makefile
// exports, and a log buffer safe for concurrent writers.
//
// A test whose component is not configured skips; with PSGATE_TEST_REQUIRE=1
// (make test) it fails instead, so that a missing component cannot pass
// unnoticed. Only tests (_test.go files) import this package; it imports no
// psgate package, so that any package's internal tests may use it.
package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Required reports whether PSGATE_TEST_REQUIRE=1: every component must be
// there, and a test that would skip for want of one fails.
func Required() bool { return os.Getenv("PSGATE_TEST_REQUIRE") == "1" }

// SkipOrFail skips t, or fails it when PSGATE_TEST_REQUIRE=1, with the
// formatted reason.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Require returns the values of the environment variables vars, in order;
// when any of them is empty, t skips (fails with PSGATE_TEST_REQUIRE=1).
func Require(t testing.TB, vars ...string) []string {
	t.Helper()
	vals := make([]string, len(vars))
	var unset []string
	for i, v := range vars {
		if vals[i] = os.Getenv(v); vals[i] == "" {
			unset = append(unset, v)
		}
	}
	if len(unset) > 0 {
		SkipOrFail(t, "%s not set: start the component (make testenv, deploy/testenv) and export it (see Makefile)", strings.Join(unset, ", "))
	}
	return vals
}

// Redis returns the address of the test Redis ($PSGATE_TEST_REDIS_ADDR,
// deploy/testenv/redis.sh), after checking that it answers PING; t fails
// when it does not.
func Redis(t testing.TB) string {
	t.Helper()
	addr := Require(t, "PSGATE_TEST_REDIS_ADDR")[0]
	if err := pingRedis(addr); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	return addr
}

// pingRedis sends a RESP PING to addr and expects +PONG.
func pingRedis(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// LDAP is a directory server of deploy/testenv (slapd.sh or samba-ad.sh):
// its URL, its state directory, the fixture.env found there (BASE_DN,
// ADMIN_DN, SERVICE_DN, REALM, USER_PASSWORD, …) and the CA to pin (ca.pem).
type LDAP struct {
	URL     string
	Dir     string
	Fixture map[string]string
	CA      []byte
}

// Slapd is the OpenLDAP server of deploy/testenv/slapd.sh
// ($PSGATE_TEST_SLAPD_URL, $PSGATE_TEST_SLAPD_DIR).
func Slapd(t testing.TB) LDAP {
	t.Helper()
	return ldapServer(t, "slapd", "PSGATE_TEST_SLAPD_URL", "PSGATE_TEST_SLAPD_DIR")
}

// Samba is the Samba AD DC of deploy/testenv/samba-ad.sh
// ($PSGATE_TEST_SAMBA_URL, $PSGATE_TEST_SAMBA_DIR).
func Samba(t testing.TB) LDAP {
	t.Helper()
	return ldapServer(t, "samba-ad", "PSGATE_TEST_SAMBA_URL", "PSGATE_TEST_SAMBA_DIR")
}

// ldapServer returns the server named by urlVar and dirVar. t skips (fails
// with PSGATE_TEST_REQUIRE=1) when they are unset or the server was never
// started (no fixture.env), and fails when ca.pem cannot be read.
func ldapServer(t testing.TB, name, urlVar, dirVar string) LDAP {
	t.Helper()
	v := Require(t, urlVar, dirVar)
	s := LDAP{URL: v[0], Dir: v[1]}
	var err error
	if s.Fixture, err = ReadFixture(filepath.Join(s.Dir, "fixture.env")); err != nil {
		SkipOrFail(t, "%s not started (%v): run deploy/testenv/%s.sh start", name, err, name)
	}
	if s.CA, err = os.ReadFile(filepath.Join(s.Dir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	return s
}

// ReadFixture reads a fixture.env of deploy/testenv: KEY=value lines.
func ReadFixture(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return env, nil
}

// Chromium returns the Chromium binary of the browser tests
// ($PSGATE_TEST_CHROMIUM).
func Chromium(t testing.TB) string {
	t.Helper()
	return Require(t, "PSGATE_TEST_CHROMIUM")[0]
}

// Python returns a python3 that can import winrm (pywinrm):
// $PSGATE_TEST_PYTHON, or /usr/bin/python3 when it is unset. t skips (fails
// with PSGATE_TEST_REQUIRE=1) when that python has no winrm module.
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv("PSGATE_TEST_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import winrm").Run(); err != nil {
		SkipOrFail(t, "python3-winrm not usable with %s: %v", py, err)
	}
	return py
}
