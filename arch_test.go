package psgate_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// pkg is the part of `go list -json` this test reads.
type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	Standard   bool
	Imports    []string
	Deps       []string
}

const module = "github.com/psgate/psgate"

// backendDeps are the psgate packages a console backend may depend on.
var backendDeps = []string{"backend", "backend/wsman", "session", "audit"}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

// TestPackageDocs fails any package without a package comment.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath == module {
			continue // this test-only package
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package doc comment", p.ImportPath)
		}
	}
}

// TestImportDirections enforces the package map of DESIGN.md §2.
func TestImportDirections(t *testing.T) {
	// owners: the only package that may import each module directly
	// (session's subpackages may use Redis too).
	owners := map[string]string{
		"github.com/go-ldap/ldap/v3":   "identity/ldap",
		"github.com/masterzen/winrm":   "backend/winrs",
		"github.com/redis/go-redis/v9": "session",
		// the WS-Man transport's client side (winrmsim has its own server side)
		"github.com/Azure/go-ntlmssp":           "backend/wsman",
		"github.com/bodgit/ntlmssp":             "backend/wsman",
		"github.com/jcmturner/gokrb5/v8/client": "backend/wsman",
		"github.com/jcmturner/gokrb5/v8/config": "backend/wsman",
	}
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		for _, imp := range p.Imports {
			for mod, owner := range owners {
				owned := r == owner || (owner == "session" && strings.HasPrefix(r, "session/"))
				if (imp == mod || strings.HasPrefix(imp, mod+"/")) && !owned {
					t.Errorf("%s imports %s; only %s may", r, imp, owner)
				}
			}
			if strings.HasPrefix(imp, module+"/cmd") {
				t.Errorf("%s imports %s; nothing imports cmd/", r, imp)
			}
		}
		switch {
		case r == "authz" || strings.HasPrefix(r, "authz/"), r == "web":
			// stdlib only, transitively, and no HTTP in authz.
			for _, d := range p.Deps {
				if !isStd(d) && !strings.HasPrefix(d, module+"/"+r) {
					t.Errorf("%s depends on %s; it may use the standard library only", r, d)
				}
				if r != "web" && (d == "net/http" || d == "net") {
					t.Errorf("%s depends on %s; authz does no network I/O", r, d)
				}
			}
		case r == "session" || strings.HasPrefix(r, "session/"):
			for _, d := range p.Deps {
				if strings.HasPrefix(d, module+"/") && !strings.HasPrefix(d, module+"/session") {
					t.Errorf("%s depends on %s; session may import only stdlib and Redis", r, d)
				}
			}
		case r == "backend/winrs":
			// the console backend: the backend seam it implements, the
			// session events it emits, and the WS-Man transport.
			for _, d := range p.Deps {
				if strings.HasPrefix(d, module+"/") && !slices.Contains(backendDeps, strings.TrimPrefix(d, module+"/")) {
					t.Errorf("%s depends on %s; a backend may import only %v of psgate's packages", r, d, backendDeps)
				}
			}
		case r == "identity/ldap", r == "backend/wsman", r == "gateway/localusers":
			for _, d := range p.Deps {
				if strings.HasPrefix(d, module+"/") && !strings.HasPrefix(d, module+"/"+r) {
					t.Errorf("%s depends on %s; an adapter imports none of psgate's packages", r, d)
				}
			}
		}
	}
}
