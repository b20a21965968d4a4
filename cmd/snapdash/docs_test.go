package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var envName = regexp.MustCompile(`SNAPDASH_[A-Z_]*[A-Z]`)

// The settings the README, the deployment guide, the compose example and the
// Dockerfile name are the ones Snapdash reads, and the README names them all:
// an operator copying a variable from the docs gets one that does something.
func TestDocumentedSettingsExist(t *testing.T) {
	var usage strings.Builder
	_, _ = parseConfig([]string{"-h"}, func(string) string { return "" }, &usage)
	known := map[string]bool{}
	for _, name := range envName.FindAllString(usage.String(), -1) {
		known[name] = true
	}
	// Retired settings are read too, to stop Snapdash with what replaces
	// them; the docs may name them, and need not.
	isRetired := map[string]bool{}
	for _, r := range retired {
		known[r.env], isRetired[r.env] = true, true
	}
	if len(known) < 10 {
		t.Fatalf("found only %d settings in the usage text:\n%s", len(known), usage.String())
	}

	files := []string{"../../README.md", "../../Dockerfile", "../../docs/compose.yaml"}
	docs, _ := filepath.Glob("../../docs/*.md")
	files = append(files, docs...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range envName.FindAllString(string(b), -1) {
			if !known[name] {
				t.Errorf("%s names %s, which Snapdash does not read", filepath.Base(f), name)
			}
		}
	}

	readme, _ := os.ReadFile("../../README.md")
	var missing []string
	for name := range known {
		if isRetired[name] {
			continue
		}
		if !strings.Contains(string(readme), name) {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the README does not document %v", missing)
	}
}
