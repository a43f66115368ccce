package psgate_test

import (
	"encoding/json"
	"io"
	"os/exec"
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

// layers is the package map of docs/ARCHITECTURE.md: for each package
// (or folder of packages, ending in "/"), the psgate packages it may
// import. A package missing here fails the test, so a new package states
// its place. cmd/psgate, the composition root, may import everything.
var layers = map[string][]string{
	"audit":               {},
	"authz":               {"internal/atomicfile"},
	"internal/atomicfile": {},
	"mfa":                 {"identity", "internal/atomicfile"},
	"web":                 {},
	"identity":            {},
	"identity/ldap":       {"identity"},
	"identity/local":      {"identity"},
	"access":              {"authz", "identity"},
	"session":             {"audit"},
	"backend":             {"session"},
	"backend/wsman":       {},
	"backend/winrs":       {"backend", "backend/wsman", "session"},
	"backend/remoting":    {"backend/wsman", "psrp", "psrp/"},
	"psrp/":               {"psrp"},
	"psrp":                {},
	"gateway/console":     {"session"},
	"gateway":             {"audit", "authz", "backend", "gateway/console", "identity", "session", "web"},
	"gateway/e2e":         {},
	"winrmsim":            {"winrmsim/pwsh", "psrp", "psrp/"},
	"winrmsim/":           {"winrmsim", "psrp", "psrp/"},
	"internal/testenv":    {},
	"internal/testenv/":   {"internal/testenv"},
}

// owners: the only packages that may import each module directly.
var owners = map[string][]string{
	"github.com/go-ldap/ldap/v3":            {"identity/ldap"},
	"github.com/masterzen/winrm":            {"backend/winrs"},
	"github.com/redis/go-redis/v9":          {"session"},
	"github.com/gorilla/websocket":          {"gateway/console"},
	"github.com/go-chi/chi/v5":              {"gateway"},
	"github.com/Azure/go-ntlmssp":           {"backend/wsman"},
	"github.com/bodgit/ntlmssp":             {"backend/wsman"},
	"github.com/jcmturner/gokrb5/v8/client": {"backend/wsman"}, // client side; winrmsim has its own server side
	"github.com/jcmturner/gokrb5/v8/config": {"backend/wsman"},
	"github.com/chromedp/chromedp":          {"internal/testenv/browser"}, // tests only (testenv_arch_test.go)
	"golang.org/x/crypto/argon2":            {"identity/local"},
	"golang.org/x/crypto/bcrypt":            {"identity/local"},
	"github.com/alexedwards/scs/v2":         {"gateway", "session", "cmd/psgate"},
	"github.com/spf13/cobra":                {"cmd/psgate"},
	"github.com/psgate/psgate/cmd":          {},
	"github.com/psgate/psgate/winrmsim":     {"cmd/psgate", "winrmsim/"},
}

// layerOf is the layers entry of package r: its own, else its folder's.
func layerOf(r string) ([]string, bool) {
	if l, ok := layers[r]; ok {
		return l, true
	}
	for k, l := range layers {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(r, k) {
			return l, true
		}
	}
	return nil, false
}

// allowed reports whether internal package imp (relative) is in list.
func allowed(imp string, list []string) bool {
	for _, a := range list {
		if imp == a || (strings.HasSuffix(a, "/") && strings.HasPrefix(imp, a)) {
			return true
		}
	}
	return false
}

// TestImportDirections enforces the package map: who may import whom
// (layers) and which package owns each heavy dependency (owners); the
// simulator and the test environment are imported by cmd and tests only;
// session has no websocket or browser-frame code; psrp speaks no HTTP.
func TestImportDirections(t *testing.T) {
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		if r == "" {
			continue // this test-only package
		}
		for _, imp := range p.Imports {
			for mod, pkgs := range owners {
				if (imp == mod || strings.HasPrefix(imp, mod+"/")) && !allowed(r, pkgs) && !strings.HasPrefix(r, rel(mod)) {
					t.Errorf("%s imports %s; only %v may", r, imp, pkgs)
				}
			}
		}
		if r == "cmd/psgate" {
			continue
		}
		layer, ok := layerOf(r)
		if !ok {
			t.Errorf("package %s has no place in the layers of arch_test.go (docs/ARCHITECTURE.md)", r)
			continue
		}
		for _, imp := range p.Imports {
			if ri := rel(imp); strings.HasPrefix(imp, module+"/") && !allowed(ri, layer) && !strings.HasPrefix(ri, r+"/") {
				t.Errorf("%s imports %s; it may import only %v of psgate's packages", r, ri, layer)
			}
		}
		for _, d := range p.Deps {
			switch {
			case (r == "authz" || r == "audit" || r == "identity" || r == "web") && !isStd(d) && !strings.HasPrefix(d, module+"/"):
				t.Errorf("%s depends on %s; it may use the standard library only", r, d)
			case (r == "authz" || r == "access" || strings.HasPrefix(r, "psrp")) && d == "net/http":
				t.Errorf("%s depends on net/http; it does no HTTP", r)
			case strings.HasPrefix(r, "session") && (strings.HasPrefix(d, "github.com/gorilla/websocket") || strings.HasPrefix(d, module+"/gateway")):
				t.Errorf("%s depends on %s; session knows no websocket or browser protocol", r, d)
			}
		}
	}
}
