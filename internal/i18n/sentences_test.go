package i18n_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/internal/i18n"
)

var nfCall = regexp.MustCompile("\\bi18n\\.Nf\\((\"(?:[^\"\\\\]|\\\\.)*\")")

// Every sentence the code writes with Nf, kept in English, is said in
// Catalan where it is shown, its names as they were: no other sentence
// reads it first, and it takes only what Word can read back (%s, %d).
// The sentences Word reads back are every one the code writes with Nf, and
// only messages the code says.
func TestWrittenSentencesAreTheCodes(t *testing.T) {
	inCode, said := found(t, nfCall), used(t)
	listed := map[string]bool{}
	for _, k := range i18n.WrittenSentences() {
		listed[k] = true
		if _, ok := said[k]; !ok {
			t.Errorf("written.go lists %q, which the code no longer says", k)
		}
	}
	for k, where := range inCode {
		if !listed[k] {
			t.Errorf("%s writes %q with Nf: add it to written.go, or Word will not read it back", where[0], k)
		}
	}
}

func TestEverySentenceIsReadBack(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ca := c.For("ca")
	keys := found(t, nfCall)
	if len(keys) < 40 {
		t.Fatalf("found %d sentences written with Nf; the pattern no longer finds them", len(keys))
	}
	for k, where := range keys {
		var args []any
		for i, v := range verbs(k) {
			switch v {
			case "%d":
				args = append(args, 40+i)
			case "%s":
				args = append(args, fmt.Sprintf("web-%d.example", i+1))
			default:
				t.Errorf("%s: %q takes %s: Nf's sentences take %%s and %%d only, for Word to read them back", where[0], k, v)
			}
		}
		written := i18n.Nf(k, args...)
		got, want := ca.Word(written), ca.T(k, args...)
		if got != want || got == written {
			t.Errorf("%q written as %q is said %q in Catalan, want %q", k, written, got, want)
		}
	}
	for written, want := range map[string]string{
		// A sentence within a sentence, a person's own words kept.
		i18n.Nf("refused by Snapdash: %s", i18n.Nf("pinned by %s: %s", "alice", "the audit of March")): "rebutjada per Snapdash: fixada per alice: the audit of March",
		// A name with a pattern's characters and a "; " in it.
		i18n.Nf("deleted by %s while it was being taken", "a.b*(c); d"): "suprimida per a.b*(c); d mentre es feia",
		// Two sentences joined.
		"VPS.org's answer was lost, but it made the snapshot; " + i18n.Nf("the server is %s", "error"): "La resposta de VPS.org s’ha perdut, però ha fet la instantània; el servidor és error",
		// Reasons jobs wrote by joining English words (before they were
		// messages) are the messages' words: records kept from then read
		// in Catalan too.
		"release-1-5 was deleted to make room, then before-release-2 was taken":         "s’ha suprimit release-1-5 per fer lloc i després s’ha fet before-release-2",
		"VPS.org refused to delete web-1 to make room: over quota; nothing was created": "VPS.org s’ha negat a suprimir web-1 per fer lloc: over quota; no s’ha creat res",
		// What is no sentence of Snapdash's stays as written, though it
		// looks like one only ever shown ("%s on %s", "%s's %s of %s").
		"disk full; try later": "disk full; try later",
		i18n.Nf("VPS.org refused: %s", "Snapshot limit reached on this plan"): "VPS.org ho ha rebutjat: Snapshot limit reached on this plan",
		"the server's disk of 20 GB is full":                                  "the server's disk of 20 GB is full",
		"web-server-01":                                                       "web-server-01",
	} {
		if got := ca.Word(written); got != want {
			t.Errorf("Word(%q) = %q, want %q", written, got, want)
		}
	}
	if s := i18n.Nf("pinned by %s", "alice"); c.For("en").Word(s) != s || strings.Contains(s, "%") {
		t.Errorf("English says %q as %q", s, c.For("en").Word(s))
	}
}
