package winrstest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func pythonPath(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PSGATE_TEST_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import winrm").Run(); err != nil {
		if os.Getenv("PSGATE_TEST_REQUIRE") == "1" {
			t.Fatalf("python3-winrm not usable with %s: %v", py, err)
		}
		t.Skipf("python3-winrm not usable with %s: %v", py, err)
	}
	return py
}

func TestPyWinRMBasic(t *testing.T) {
	py := pythonPath(t)
	s := newSim(t)
	out, err := exec.Command(py, "testdata/pywinrm_check.py", s.URL(), "alice", "S3cret!", "basic").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("pywinrm: %v\n%s", err, out)
	}
	if s.OpenShells() != 0 {
		t.Fatalf("shells left open: %d", s.OpenShells())
	}
}
