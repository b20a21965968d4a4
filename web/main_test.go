package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// htmlDir collects every page and htmx fragment the tests in this package
// render, for html-validate to check once they have all run.
var htmlDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "snapdash-html-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	htmlDir = dir
	code := m.Run()
	if code == 0 {
		code = validateHTML(dir)
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// keepHTML stores one answer's HTML under a name of its content, so each
// distinct page or fragment is checked once. Whole documents are checked as
// documents; fragments with the rules that hold for part of a page.
func keepHTML(body []byte) {
	if htmlDir == "" || len(bytes.TrimSpace(body)) == 0 {
		return
	}
	kind := "fragment"
	if len(body) > 15 && bytes.EqualFold(body[:15], []byte("<!doctype html>")) {
		kind = "page"
	}
	sum := sha256.Sum256(body)
	_ = os.WriteFile(filepath.Join(htmlDir, hex.EncodeToString(sum[:8])+"."+kind+".html"), body, 0o600)
}

// validateHTML runs html-validate (pinned in package.json, configured in
// .htmlvalidate.json) over what the tests rendered. Without it the check is
// skipped loudly, and fails under CI=true, where make deps installs it.
func validateHTML(dir string) int {
	bin, err := filepath.Abs("../node_modules/.bin/html-validate")
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "html-validate is missing and CI=true (make deps installs it with npm ci)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "SKIPPING html-validate: not installed (npm ci, or make deps)")
		return 0
	}
	code := 0
	for _, run := range []struct{ config, glob string }{
		{"../.htmlvalidate.json", "*.page.html"},
		{"../.htmlvalidate.fragment.json", "*.fragment.html"},
	} {
		files, _ := filepath.Glob(filepath.Join(dir, run.glob))
		if len(files) == 0 {
			fmt.Fprintf(os.Stderr, "html-validate: no %s rendered by the tests\n", run.glob)
			code = 1
			continue
		}
		cmd := exec.Command(bin, append([]string{"--config", run.config}, files...)...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "html-validate found errors in the %s the tests rendered (%v)\n", run.glob, err)
			code = 1
		}
	}
	return code
}
