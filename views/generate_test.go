package views_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesMatchTemplates fails when a .templ file changed without
// `go tool templ generate` being run and its output committed.
func TestGeneratedFilesMatchTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the templ generator")
	}
	sources, err := filepath.Glob("*.templ")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no .templ files found: %v", err)
	}
	// The generator records paths relative to -path, so mirror the repository's views/ folder.
	root := t.TempDir()
	dir := filepath.Join(root, "views")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, src := range sources {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, src), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "tool", "templ", "generate", "-path", root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, src := range sources {
		gen := src[:len(src)-len(".templ")] + "_templ.go"
		want, err := os.ReadFile(filepath.Join(dir, gen))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(gen)
		if err != nil {
			t.Errorf("%s is not committed: run go tool templ generate", gen)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with %s: run go tool templ generate and commit the result", gen, src)
		}
	}
}
