package e2e

import (
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// TestHostileDataKeepsLayout: markup, quotes, very long words and odd Unicode
// from the upstream render as text and the page stays within the screen.
func TestHostileDataKeepsLayout(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	long := strings.Repeat("verylongwordwithoutbreaks", 40)
	a.sim.AddAccount("tk-hostile-e2e-77aa",
		simulator.ServerSeed{ID: 31337, Name: `<script>alert("srv")</script>` + long, Snapshots: []simulator.SnapshotSeed{
			{Name: `"><img src=x onerror=alert(1)>` + long, Description: `<iframe src="https://evil.example">` + long},
			{Name: "\u202egnp.exe\u200b\U0001F4A5", Status: `" onclick="alert(2)`, Description: "<b>bold</b> & 'quotes' " + long},
		}},
	)
	for _, size := range []struct {
		name string
		opts []tabOption
	}{{"desktop", nil}, {"phone", []tabOption{phone}}} {
		t.Run(size.name, func(t *testing.T) {
			tb := newTab(t, a, size.opts...)
			tb.signInWith("tk-hostile-e2e-77aa")
			if n := tb.count("#server-31337 img, #server-31337 iframe, #server-31337 b, main script"); n != 0 {
				t.Errorf("%d elements came from upstream text", n)
			}
			if !strings.HasPrefix(tb.text("#server-31337 h2"), `<script>alert("srv")</script>`) {
				t.Error("the server name does not read as its text")
			}
			if over := tb.eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); over != "0" {
				t.Errorf("the page is %s px wider than the screen", over)
			}
		})
	}
}
