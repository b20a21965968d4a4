package static

import (
	"bytes"
	"os/exec"
	"testing"
)

// What is sent of our scripts and styles has no comment-only lines, and
// the scripts still parse (node, when the machine has it; CI's has).
func TestAssetsAreSentWithoutCommentLines(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.js", "notify.js", "app.css"} {
		x, _ := a.Get(name)
		src, _ := files.ReadFile(name)
		if len(x.Data) >= len(src) {
			t.Errorf("%s is sent whole (%d bytes of %d)", name, len(x.Data), len(src))
		}
		for line := range bytes.Lines(x.Data) {
			l := bytes.TrimSpace(line)
			if bytes.HasPrefix(l, []byte("//")) || (bytes.HasPrefix(l, []byte("/*")) && bytes.HasSuffix(l, []byte("*/"))) {
				t.Errorf("%s still sends %q", name, l)
				break
			}
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node to parse the scripts with")
	}
	for _, name := range []string{"app.js", "notify.js"} {
		x, _ := a.Get(name)
		cmd := exec.Command(node, "-e", "new Function(require('fs').readFileSync(0, 'utf8'))")
		cmd.Stdin = bytes.NewReader(x.Data)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s as sent does not parse: %v\n%s", name, err, out)
		}
	}
}
