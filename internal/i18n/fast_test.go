package i18n

import (
	"regexp"
	"testing"
)

var argVerbs = regexp.MustCompile(`%(?:\[[0-9]+\])?(?:[sd]|\.[0-9]f)`)

// The quick way of saying a message with names and small numbers says it
// exactly as x/text's printer does, in every language, for every message.
func TestQuickWayAgreesWithThePrinter(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for code, tr := range c.byCode {
		if code != "en" && len(tr.names) < 50 {
			t.Errorf("%s: only %d messages take the quick way", code, len(tr.names))
		}
		for key := range tr.names {
			var args []any
			for i, v := range argVerbs.FindAllString(key, -1) {
				switch v[len(v)-1] {
				case 's':
					args = append(args, "web-server-01")
				case 'd':
					args = append(args, []any{1, int64(999), -7}[i%3])
				case 'f':
					args = append(args, []any{1.5, 999.94, 0.04}[i%3])
				}
			}
			want := tr.p.Sprintf(key, args...)
			if got := tr.T(key, append([]any(nil), args...)...); got != want {
				t.Errorf("%s: %q says %q, the printer %q", code, key, got, want)
			}
		}
	}
}
