package i18n_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/internal/i18n"
)

// call finds the words the code says through a translator: t(ctx, "…") in
// views, i18n.T(ctx, "…"), tr.T("…"), tr.AppendInt(b, "…"), i18n.N("…"),
// i18n.Nf("…") and a page's title.
var call = regexp.MustCompile("(?:\\bt\\(ctx,\\s*|\\bi18n\\.T\\((?:ctx|c\\.Request\\(\\)\\.Context\\(\\)),\\s*|\\.T\\(|\\.Append(?:Int|Float)\\([^,()]+(?:\\[[^]]*\\])?,\\s*|\\bi18n\\.Nf?\\(|\\.Page\\(c,\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)")

// used is every message key in the code outside tests.
func used(t *testing.T) map[string][]string { return found(t, call) }

// found is every key re finds in the code outside tests, with where.
func found(t *testing.T, re *regexp.Regexp) map[string][]string {
	t.Helper()
	keys := map[string][]string{}
	root := filepath.Join("..", "..")
	for _, dir := range []string{"views", "handlers", "web", "internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "_templ.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".templ")) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				k, err := strconv.Unquote(m[1])
				if err != nil {
					t.Errorf("%s: %s: %v", p, m[1], err)
					continue
				}
				keys[k] = append(keys[k], p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

var verb = regexp.MustCompile(`%[-+# 0]*[0-9.]*[a-zA-Z%]`)

// Every message the code says exists in Catalan, every Catalan message is
// still said, English plurals have their Catalan, and each translation
// takes the same arguments as its key.
func TestEveryMessageInBothLanguages(t *testing.T) {
	code := used(t)
	ca, err := i18n.Messages("ca")
	if err != nil {
		t.Fatal(err)
	}
	en, err := i18n.Messages("en")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range code {
		if _, ok := ca[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		out, _ := json.MarshalIndent(missing, "", "  ")
		if p := os.Getenv("I18N_MISSING"); p != "" {
			_ = os.WriteFile(p, out, 0o644)
		}
		t.Errorf("%d messages have no Catalan in locales/ca.json, e.g. %q", len(missing), missing[:min(5, len(missing))])
	}
	for k := range ca {
		if _, ok := code[k]; !ok {
			t.Errorf("locales/ca.json has %q, which the code no longer says", k)
		}
	}
	for k, m := range en {
		if m.Other == "" {
			t.Errorf("locales/en.json: %q is not a plural; English is the code's own words", k)
		}
		if _, ok := ca[k]; !ok {
			t.Errorf("locales/en.json has %q, locales/ca.json does not", k)
		}
	}
	for k, m := range ca {
		want := verbs(k)
		for _, text := range []string{m.Text, m.One, m.Other} {
			if text == "" {
				continue
			}
			if got := verbs(text); !slices.Equal(got, want) && !(m.Other != "" && text == m.One && slices.Equal(got, slices.DeleteFunc(slices.Clone(want), func(v string) bool { return v == "%d" }))) {
				t.Errorf("%q: the Catalan %q takes %v, the key %v", k, text, got, want)
			}
		}
	}
}

func verbs(s string) []string {
	var out []string
	for _, v := range verb.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// A browser preferring Catalan gets Catalan, in its conventions; a person's
// choice wins; anything else is English.
func TestChooseAndSay(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ chosen, accept, want string }{
		{"", "ca-ES,ca;q=0.9,en;q=0.5", "ca"},
		{"", "es-ES,es;q=0.9", "en"},
		{"", "", "en"},
		{"en", "ca", "en"},
		{"ca", "en-GB", "ca"},
		{"xx", "ca", "ca"},
		{"", "fr;q=0.9, ca;q=0.8", "ca"},
		{"", "!!garbage,,;q=", "en"},
	} {
		for range 2 { // matched, then as kept
			if got := c.Choose(tc.chosen, tc.accept).Lang(); got != tc.want {
				t.Errorf("chosen %q, Accept-Language %q: %s, want %s", tc.chosen, tc.accept, got, tc.want)
			}
		}
	}
	// More headers than are kept are still matched, each as it says.
	for i := range 600 {
		accept, want := fmt.Sprintf("ca;q=0.%d, en;q=0.%d", 2+i%2, 3-i%2), []string{"en", "ca"}[i%2]
		if i%3 != 0 {
			accept, want = fmt.Sprintf("x-%d", i), "en"
		}
		if got := c.Choose("", accept).Lang(); got != want {
			t.Fatalf("Accept-Language %q: %s, want %s", accept, got, want)
		}
	}
	ca := c.For("ca")
	if got := ca.T("%.1f GB", 1.5); got != "1,5 GB" {
		t.Errorf("1.5 GB in Catalan: %q", got)
	}
	var nilT *i18n.Translator
	if got := nilT.T("%d snapshots", 2); got != "2 snapshots" {
		t.Errorf("without a translator: %q", got)
	}
}

// A word chosen at run time is translated when it is a message, and left
// as it is otherwise: a name, VPS.org's words (a "%" among them), an old
// record's English.
func TestWordLeavesWhatIsNotAMessage(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ca := c.For("ca")
	for in, want := range map[string]string{
		"cancelled before anything was restored": "cancel·lada abans de restaurar res",
		"disk 95% full, try later":               "disk 95% full, try later",
		"web-server-01":                          "web-server-01",
		"":                                       "",
	} {
		if got := ca.Word(in); got != want {
			t.Errorf("Word(%q) = %q, want %q", in, got, want)
		}
	}
	if got := c.For("en").Word("disk 95% full"); got != "disk 95% full" {
		t.Errorf("English Word of a %%: %q", got)
	}
}
