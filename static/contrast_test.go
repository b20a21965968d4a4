package static

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// The focus ring is seen against the page and the cards in both themes:
// WCAG 1.4.11 asks at least 3:1 for it.
func TestFocusRingContrast(t *testing.T) {
	css, err := files.ReadFile("app.css")
	if err != nil {
		t.Fatal(err)
	}
	darkAt := regexp.MustCompile(`@media \(prefers-color-scheme: dark\)`).FindIndex(css)
	if darkAt == nil {
		t.Fatal("app.css has no dark theme")
	}
	themes := map[string][]byte{"light": css[:darkAt[0]], "dark": css[darkAt[0]:]}
	for name, part := range themes {
		colour := func(v string) [3]float64 {
			m := regexp.MustCompile(`--` + v + `: #([0-9a-fA-F]{6}|[0-9a-fA-F]{3});`).FindSubmatch(part)
			if m == nil {
				t.Fatalf("%s theme: no --%s", name, v)
			}
			hex := string(m[1])
			if len(hex) == 3 { // #fff is #ffffff
				hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
			}
			var c [3]float64
			for i := range c {
				n, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
				c[i] = float64(n) / 255
			}
			return c
		}
		focus := colour("focus")
		for _, against := range []string{"bg", "card"} {
			if r := contrast(focus, colour(against)); r < 3 {
				t.Errorf("%s theme: the focus ring has %.2f:1 against --%s, want at least 3:1", name, r, against)
			}
		}
	}
}

// contrast is WCAG's contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			if v <= 0.04045 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
