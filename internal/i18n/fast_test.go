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

// A message of one number says the same words through AppendInt or
// AppendFloat as through T, in every language, for every such message.
func TestOneNumberAgreesWithT(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string // the messages of every language, plurals too
	for _, tr := range c.byCode {
		for key := range tr.names {
			keys = append(keys, key)
		}
		for key := range tr.plural {
			keys = append(keys, key)
		}
	}
	for code, tr := range c.byCode {
		said := 0
		for _, key := range keys {
			verbs := argVerbs.FindAllString(key, -1)
			if len(verbs) != 1 {
				continue
			}
			switch v := verbs[0]; v[len(v)-1] {
			case 'd':
				for _, n := range []int64{0, 1, -1, 2, -7, 999, 1000, 123456} {
					if got, want := string(tr.AppendInt([]byte("x"), key, n)), "x"+tr.T(key, n); got != want {
						t.Errorf("%s: %q with %d says %q, T %q", code, key, n, got, want)
					}
					said++
				}
			case 'f':
				for _, v := range []float64{0.04, 1.5, 999.94, 1234.5} {
					if got, want := string(tr.AppendFloat([]byte("x"), key, v)), "x"+tr.T(key, v); got != want {
						t.Errorf("%s: %q with %v says %q, T %q", code, key, v, got, want)
					}
					said++
				}
			}
		}
		if said < 20 {
			t.Errorf("%s: only %d sayings compared", code, said)
		}
	}
	var none *Translator
	if got := string(none.AppendFloat(nil, "%.1f GB", 1.25)); got != "1.2 GB" {
		t.Errorf("no translator: %q", got)
	}
}

// An age or a count says its plural's words without the printer, in
// every language: a page of old snapshots says "fa 3 mesos" on each row.
func TestOneNumberPluralsAllocateNothing(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	for _, code := range []string{"en", "ca"} {
		tr := c.For(code)
		for _, key := range []string{"%d months ago", "%d years ago", "%d snapshots", "%d min ago"} {
			allocs := testing.AllocsPerRun(20, func() {
				buf = tr.AppendInt(buf[:0], key, 1)
				buf = tr.AppendInt(buf[:0], key, 5)
			})
			if allocs != 0 {
				t.Errorf("%s: %q allocates %.0f times", code, key, allocs)
			}
		}
	}
}
