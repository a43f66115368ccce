package winrmsim_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/psgate/psgate/winrmsim"
)

func newSim(t *testing.T) *winrmsim.Server {
	t.Helper()
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "S3cret!"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func masterzenClient(t *testing.T, s *winrmsim.Server, user, pass string) *winrm.Client {
	t.Helper()
	ep := winrm.NewEndpoint(s.Host(), s.Port(), false, false, nil, nil, nil, 10*time.Second)
	c, err := winrm.NewClient(ep, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMasterzenBasic(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newSim(t)
	c := masterzenClient(t, s, `DOMAIN\Alice`, "S3cret!")
	checkCommands(t, s, c, true) // the cmd-shell table and a stdin round trip
	if n := s.OpenCommands(); n != 0 {
		t.Fatalf("open commands after run: %d", n)
	}
	if n := s.OpenShells(); n != 0 {
		t.Fatalf("open shells after run: %d", n)
	}
	s.Close()
	waitGoroutines(t, before)
}

func TestMasterzenBadCredentials(t *testing.T) {
	s := newSim(t)
	c := masterzenClient(t, s, "alice", "wrong")
	_, err := c.RunWithContext(context.Background(), "cmd /c echo hi", &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("bad password accepted")
	}
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if runtime.NumGoroutine() <= before+2 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("goroutines: before %d, after %d", before, runtime.NumGoroutine())
}

func TestMasterzenBasicTLS(t *testing.T) {
	s, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"alice": "pw"}, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	ep := winrm.NewEndpoint(s.Host(), s.Port(), true, false, s.CertPEM(), nil, nil, 10*time.Second)
	c, err := winrm.NewClient(ep, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	code, err := c.RunWithContext(context.Background(), "cmd /c echo tls", &out, &bytes.Buffer{})
	if err != nil || code != 0 || out.String() != "tls\r\n" {
		t.Fatalf("%q %d %v", out.String(), code, err)
	}
}

func TestConfigRefusesUnbuiltAuth(t *testing.T) {
	for _, a := range []string{"kerberos", "credssp", "digest"} {
		_, err := winrmsim.NewServer(winrmsim.Config{Users: map[string]string{"a": "b"}, Auth: []string{"basic", a}})
		if !errors.Is(err, winrmsim.ErrConfig) {
			t.Fatalf("auth %q: err = %v", a, err)
		}
	}
}
