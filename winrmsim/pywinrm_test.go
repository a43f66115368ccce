package winrmsim_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psgate/psgate/internal/testenv"
	"github.com/psgate/psgate/winrmsim"
)

func TestPyWinRMBasic(t *testing.T) {
	py := testenv.Python(t)
	s := newSim(t)
	out, err := exec.Command(py, "testdata/pywinrm_check.py", s.URL(), "alice", "S3cret!", "basic").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("pywinrm: %v\n%s", err, out)
	}
	if s.OpenShells() != 0 {
		t.Fatalf("shells left open: %d", s.OpenShells())
	}
}

// legacyOpenSSL returns an environment in which python's hashlib has MD4:
// OpenSSL 3 moved it to the legacy provider, and ntlm-auth 1.4 hashes the
// password with hashlib.new('md4').
func legacyOpenSSL(t *testing.T) []string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "openssl.cnf")
	const cnf = "openssl_conf = init\n[init]\nproviders = prov\n[prov]\ndefault = def\nlegacy = leg\n[def]\nactivate = 1\n[leg]\nactivate = 1\n"
	if err := os.WriteFile(conf, []byte(cnf), 0o600); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "OPENSSL_CONF="+conf)
}

func TestPyWinRMNTLM(t *testing.T) {
	py := testenv.Python(t)
	env := legacyOpenSSL(t)
	probe := exec.Command(py, "-c", "import hashlib; hashlib.new('md4')")
	probe.Env = env
	if out, err := probe.CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "no MD4 in python's hashlib even with the legacy provider: %v\n%s", err, out)
	}
	tests := []struct {
		name, encryption string
		unenc            winrmsim.Unencrypted
	}{
		{"never (AllowUnencrypted)", "never", winrmsim.UnencryptedAllowed},
		{"always", "always", winrmsim.UnencryptedBasicOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newNTLMSim(t, false, tt.unenc)
			cmd := exec.Command(py, "testdata/pywinrm_check.py", s.URL(), `WINSRV01\alice`, "S3cret!", "ntlm", tt.encryption)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK") {
				t.Fatalf("pywinrm: %v\n%s", err, out)
			}
			if s.OpenShells() != 0 {
				t.Fatalf("shells left open: %d", s.OpenShells())
			}
		})
	}
}
