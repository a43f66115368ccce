package psgate_test

import (
	"strings"
	"testing"
)

// TestTestenvImports keeps internal/testenv test-only: no package's
// non-test files import it (the test files of every package may), it
// imports no psgate package (so that any package's internal tests can use
// it without a cycle), and chromedp stays in internal/testenv/browser.
func TestTestenvImports(t *testing.T) {
	const testenv = module + "/internal/testenv"
	for _, p := range listPackages(t) {
		own := p.ImportPath == testenv || strings.HasPrefix(p.ImportPath, testenv+"/")
		for _, imp := range p.Imports {
			if !own && (imp == testenv || strings.HasPrefix(imp, testenv+"/")) {
				t.Errorf("%s imports %s in a non-test file; only tests may", rel(p.ImportPath), rel(imp))
			}
		}
		if p.ImportPath != testenv {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, module+"/") {
				t.Errorf("internal/testenv depends on %s; it imports no psgate package", rel(d))
			}
			if strings.HasPrefix(d, "github.com/chromedp/") {
				t.Errorf("internal/testenv depends on %s; the browser harness is internal/testenv/browser", d)
			}
		}
	}
}
