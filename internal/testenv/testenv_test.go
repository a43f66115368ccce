package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRequireSkips: an unset variable skips the test (PSGATE_TEST_REQUIRE
// is cleared here so that the sub-test skips even under make test).
func TestRequireSkips(t *testing.T) {
	t.Setenv("PSGATE_TEST_REQUIRE", "")
	t.Setenv("PSGATE_TEST_UNSET_FOR_TESTENV", "")
	t.Setenv("PSGATE_TEST_SET_FOR_TESTENV", "x")
	var reached bool
	t.Run("unset", func(t *testing.T) {
		Require(t, "PSGATE_TEST_SET_FOR_TESTENV", "PSGATE_TEST_UNSET_FOR_TESTENV")
		reached = true
	})
	if reached {
		t.Error("Require did not stop the test with a variable unset")
	}
	t.Run("set", func(t *testing.T) {
		if v := Require(t, "PSGATE_TEST_SET_FOR_TESTENV"); len(v) != 1 || v[0] != "x" {
			t.Errorf("Require = %q, want [x]", v)
		}
	})
}

// TestLDAPFixture: the fixture.env and ca.pem of a started server are read;
// a directory without them skips.
func TestLDAPFixture(t *testing.T) {
	t.Setenv("PSGATE_TEST_REQUIRE", "")
	dir := t.TempDir()
	t.Setenv("PSGATE_TEST_SLAPD_URL", "ldap://127.0.0.1:1")
	t.Setenv("PSGATE_TEST_SLAPD_DIR", dir)
	var reached bool
	t.Run("not started", func(t *testing.T) {
		Slapd(t)
		reached = true
	})
	if reached {
		t.Error("Slapd did not stop the test without fixture.env")
	}
	if err := os.WriteFile(filepath.Join(dir, "fixture.env"), []byte("BASE_DN=dc=example,dc=test\nUSER_PASSWORD=a=b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Slapd(t)
	if s.URL != "ldap://127.0.0.1:1" || s.Dir != dir || string(s.CA) != "pem" ||
		s.Fixture["BASE_DN"] != "dc=example,dc=test" || s.Fixture["USER_PASSWORD"] != "a=b" {
		t.Errorf("Slapd = %+v", s)
	}
}

// TestRedisPing: Redis answers PING with +PONG; anything else fails.
func TestRedisPing(t *testing.T) {
	for _, tc := range []struct{ reply, wantErr string }{{"+PONG", ""}, {"-NOAUTH Authentication required.", "NOAUTH"}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for range 3 { // *1, $4, PING
				if _, err := r.ReadString('\n'); err != nil {
					return
				}
			}
			fmt.Fprintf(c, "%s\r\n", tc.reply)
		}()
		err = pingRedis(ln.Addr().String())
		ln.Close()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("reply %q: pingRedis = %v, want %q", tc.reply, err, tc.wantErr)
		}
	}
}

func TestBufferConcurrent(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("x"))
			}
		})
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Errorf("%d bytes, want 800", n)
	}
}
