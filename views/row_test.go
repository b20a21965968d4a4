package views

import (
	"testing"

	"github.com/snapdash/snapdash/internal/i18n"
)

// A message of two names is cut around them once per table; what a row
// writes is what formatting and escaping it would write, in every language,
// whatever the names hold, and with the names the other way round where a
// language says them so.
func TestTwoNamesReadAsFormatted(t *testing.T) {
	langs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	names := [][2]string{{"web-01", "pre-migration"}, {`<b>"srv"</b>`, "a & b 'c'"}, {"", ""}, {"%s", "%d"}}
	for _, code := range langs.Codes() {
		tr := langs.For(code)
		for _, key := range []string{"%s from %s", "%[2]s, then %[1]s", "%s only"} {
			w := newTwoNames(tr, key)
			for _, n := range names {
				got := string(w.append(nil, n[0], n[1]))
				if want := string(escaped(nil, tr.T(key, n[0], n[1]))); got != want {
					t.Errorf("%s, %q with %q: %s, want %s", code, key, n, got, want)
				}
			}
		}
	}
}
