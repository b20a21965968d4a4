package layers_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/snapdash/snapdash/"

// forbidden lists, for each layer, the layers above it: what it must never
// import. A package belongs to the longest layer prefix of its path.
var forbidden = map[string][]string{
	"web":                {"cmd"},
	"handlers":           {"cmd", "web"},
	"views":              {"cmd", "web", "handlers", "internal", "internal/dashboard", "internal/services"},
	"internal/services":  {"cmd", "web", "handlers", "views"},
	"internal/dashboard": {"cmd", "web", "handlers", "views", "internal/services"},
	"internal":           {"cmd", "web", "handlers", "views", "internal/dashboard", "internal/services"},
	"vpsapi":             {"cmd", "web", "handlers", "views", "internal", "internal/dashboard", "internal/services"},
	"static":             {"cmd", "web", "handlers", "views", "internal", "internal/dashboard", "internal/services", "vpsapi"},
	// The languages are beneath everything: any layer may say its words
	// through them, and they import nothing of Snapdash.
	"internal/i18n": {"cmd", "web", "handlers", "views", "internal", "internal/dashboard", "internal/services", "vpsapi", "static"},
}

// Only web (and the areas' own packages, handlers/…) may import handlers;
// Echo stays in web and handlers.
var onlyFrom = map[string][]string{
	module + "handlers":                      {"web", "handlers"},
	"github.com/labstack/echo/v4":            {"web", "handlers"},
	"github.com/labstack/echo/v4/middleware": {"web"},
}

func layerOf(pkg string) string {
	rel := strings.TrimPrefix(pkg, module)
	best := ""
	for _, l := range []string{"cmd", "web", "handlers", "views", "internal/services", "internal/dashboard", "internal/i18n", "internal", "vpsapi", "static", "e2e"} {
		if (rel == l || strings.HasPrefix(rel, l+"/")) && len(l) > len(best) {
			best = l
		}
	}
	return best
}

// upward reports whether a package of layer importing imp goes against the direction.
func upward(layer, imp string) bool {
	if !strings.HasPrefix(imp, module) {
		return false
	}
	to := layerOf(imp)
	for _, above := range forbidden[layer] {
		if to == above {
			return true
		}
	}
	return false
}

// TestImportsRunOneWay fails on any import against the direction of the layers.
func TestImportsRunOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		layer := layerOf(p.ImportPath)
		for _, imp := range p.Imports {
			if upward(layer, imp) {
				t.Errorf("%s (%s) imports %s (%s), against the direction of the layers", p.ImportPath, layer, imp, layerOf(imp))
			}
			if allowed, ok := onlyFrom[imp]; ok && layer != "cmd" && layer != "e2e" {
				okay := false
				for _, l := range allowed {
					okay = okay || layer == l
				}
				if !okay {
					t.Errorf("%s imports %s, which only %v may", p.ImportPath, imp, allowed)
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list found only %d packages", seen)
	}
}

// The rule has teeth: a package of views importing the session store, or
// internal importing handlers, is reported.
func TestLayerRulesCatchUpwardImports(t *testing.T) {
	for _, c := range []struct{ from, imp string }{
		{module + "views", module + "internal/session"},
		{module + "internal/session", module + "handlers"},
		{module + "vpsapi", module + "internal/activity"},
		{module + "internal/dashboard", module + "views"},
		{module + "internal/session", module + "internal/dashboard"},
		{module + "views", module + "internal/dashboard"},
		{module + "internal/dashboard", module + "internal/services/restore"},
		{module + "internal/jobs", module + "internal/services/follow"},
	} {
		if !upward(layerOf(c.from), c.imp) {
			t.Errorf("%s importing %s is not caught", c.from, c.imp)
		}
	}
}

// allowedImports lists, for every package under internal/, the packages of
// this module it may import (outside tests). A new import, or a new
// package, must be written here: an infrastructure package reaching into a
// feature, or a feature into another's store, fails until someone decides it.
var allowedImports = map[string][]string{
	"internal/activity":        {},
	"internal/bulk":            {},
	"internal/marks":           {},
	"internal/restores":        {},
	"internal/schedules":       {},
	"internal/htmx":            {},
	"internal/metrics":         {},
	"internal/render":          {},
	"internal/pgtest":          {},
	"internal/layers":          {},
	"internal/wait":            {},
	"internal/i18n":            {},
	"internal/live":            {"vpsapi"},
	"internal/steps":           {"vpsapi"},
	"internal/session":         {"vpsapi"},
	"internal/submitguard":     {"vpsapi"},
	"internal/store":           {"internal/activity", "internal/bulk", "internal/marks", "internal/restores", "internal/schedules", "internal/session", "internal/store/private", "internal/store/stmtcache"},
	"internal/store/stmtcache": {},
	"internal/store/private":   {},
	"internal/store/storetest": {"internal/store"},
	"internal/jobs":            {"internal/activity", "internal/session", "internal/store", "vpsapi"},
	"internal/dashboard":       {"internal/activity", "internal/live", "internal/marks", "internal/restores", "internal/schedules", "internal/submitguard", "vpsapi"},
	// The features: each on the dashboard and the engine, none on another;
	// those whose rows and job are written in one transaction, on the store.
	"internal/services/follow":      {"internal/activity", "internal/dashboard", "internal/jobs", "internal/live", "internal/steps", "vpsapi"},
	"internal/services/restore":     {"internal/activity", "internal/dashboard", "internal/jobs", "internal/marks", "internal/restores", "internal/store", "internal/steps", "vpsapi"},
	"internal/services/bulkdelete":  {"internal/activity", "internal/bulk", "internal/dashboard", "internal/jobs", "internal/services/fleet", "internal/store", "internal/submitguard", "vpsapi"},
	"internal/services/fleet":       {"internal/dashboard", "vpsapi"},
	"internal/services/schedule":    {"internal/activity", "internal/dashboard", "internal/jobs", "internal/schedules", "internal/steps", "internal/store", "vpsapi"},
	"internal/services/signout":     {"internal/activity", "internal/bulk", "internal/dashboard", "internal/jobs", "internal/store"},
	"internal/services/feed":        {"internal/activity", "internal/dashboard", "internal/live", "vpsapi"},
	"internal/services/mark":        {"internal/activity", "internal/dashboard", "internal/marks", "vpsapi"},
	"internal/services/activitylog": {"internal/activity", "internal/dashboard", "internal/restores", "vpsapi"},
	// The one wiring of them all, and its test double of cmd's.
	"internal/services": {"internal/dashboard", "internal/jobs", "internal/live", "internal/services/activitylog", "internal/services/feed", "internal/services/mark", "internal/services/bulkdelete", "internal/services/fleet", "internal/services/follow",
		"internal/services/restore", "internal/services/schedule", "internal/services/signout", "internal/store", "vpsapi"},
	"internal/services/servicestest": {"internal/activity", "internal/bulk", "internal/dashboard", "internal/services",
		"internal/services/schedule", "internal/store", "internal/store/storetest", "internal/submitguard", "internal/wait", "vpsapi", "vpsapi/simulator"},
}

// useCases are the packages of use cases and what they speak of: HTTP is
// the handlers' business.
var useCases = []string{"internal/dashboard", "internal/activity", "internal/bulk", "internal/marks", "internal/restores", "internal/schedules",
	"internal/services", "internal/services/follow", "internal/services/restore", "internal/services/bulkdelete", "internal/services/schedule",
	"internal/services/signout", "internal/services/activitylog", "internal/services/mark", "internal/services/feed"}

// TestInternalImportsAreListed fails on an internal package importing a
// package of this module that allowedImports does not list for it, and on
// an internal package allowedImports does not know.
func TestInternalImportsAreListed(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../../internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		seen[rel] = true
		allowed, known := allowedImports[rel]
		if !known {
			t.Errorf("%s is not in allowedImports: list what it may import", rel)
			continue
		}
		for _, imp := range p.Imports {
			if imp == "net/http" && slices.Contains(useCases, rel) {
				t.Errorf("%s imports net/http: use cases return reasons, and the handlers choose HTTP statuses", rel)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			// The languages are beneath everything (see forbidden).
			if to := strings.TrimPrefix(imp, module); to != "internal/i18n" && !slices.Contains(allowed, to) {
				t.Errorf("%s imports %s, which allowedImports does not allow it", rel, to)
			}
		}
	}
	for pkg := range allowedImports {
		if !seen[pkg] {
			t.Errorf("allowedImports lists %s, which does not exist", pkg)
		}
	}
}

// oversized are the packages over packageMost lines, each with the most it
// may hold. The store is storage in one package by design (one owner: the
// schema and its queries, on both engines).
var oversized = map[string]int{"internal/store": 1600}

const (
	fileMost    = 450  // lines of one Go file not generated
	packageMost = 1500 // lines of a package's Go files, neither tests nor generated
)

// TestFilesAndPackagesStaySmall fails on a Go file (not generated) over
// fileMost lines, and a package over packageMost, or over its ceiling in
// oversized.
func TestFilesAndPackagesStaySmall(t *testing.T) {
	sizes := map[string]int{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_templ.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := bytes.Count(b, []byte("\n"))
		rel, _ := filepath.Rel("../..", path)
		if n > fileMost {
			t.Errorf("%s has %d lines; split it (at most %d)", rel, n, fileMost)
		}
		if !strings.HasSuffix(path, "_test.go") {
			sizes[filepath.ToSlash(filepath.Dir(rel))] += n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg, n := range sizes {
		most := packageMost
		if ceiling, ok := oversized[pkg]; ok {
			most = ceiling
		}
		if n > most {
			t.Errorf("package %s has %d lines (at most %d)", pkg, n, most)
		}
	}
	if sizes["internal/dashboard"] == 0 {
		t.Fatal("the walk found no internal/dashboard")
	}
}
