// Package i18n is Snapdash's languages: English, the words written in the
// code, and Catalan, in locales/ca.json (a translator edits that file; a
// key is the English text, with its fmt verbs). Each request carries the
// Translator of its language (NewContext, From); T formats through it, in
// that language's conventions (1,5 GB; plural forms from the files'
// "one"/"other" objects).
package i18n

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

//go:embed locales/*.json
var files embed.FS

// The languages Snapdash speaks, English first: what a browser that
// prefers neither gets.
var (
	English = language.English
	Catalan = language.Catalan
)

// Languages are the supported languages, by their codes.
var codes = map[string]language.Tag{"en": English, "ca": Catalan}

// Names are the languages as the header's switch offers them, each in its
// own words.
var names = []Language{{Code: "en", Name: "English"}, {Code: "ca", Name: "Català"}}

// Language is one of the languages offered.
type Language struct{ Code, Name string }

// Offered lists the languages a person may choose.
func Offered() []Language { return append([]Language(nil), names...) }

// Catalog holds every language's messages.
type Catalog struct {
	cat     catalog.Catalog
	matcher language.Matcher
	byCode  map[string]*Translator
	// matched keeps what a browser's Accept-Language matched: a team's
	// browsers send a handful of headers, on every request. Bounded, as a
	// header is anyone's to write.
	mu      sync.Mutex
	matched map[string]*Translator
}

// matchedMost is how many Accept-Language headers Choose keeps.
const matchedMost = 256

// Load reads the embedded message files.
func Load() (*Catalog, error) {
	b := catalog.NewBuilder(catalog.Fallback(English))
	entries, err := fs.ReadDir(files, "locales")
	if err != nil {
		return nil, err
	}
	byCode := map[string]*Translator{}
	for _, e := range entries {
		code := strings.TrimSuffix(e.Name(), ".json")
		tag, ok := codes[code]
		if !ok {
			return nil, fmt.Errorf("i18n: %s is not a language Snapdash offers", e.Name())
		}
		msgs, err := Messages(code)
		if err != nil {
			return nil, err
		}
		t := &Translator{code: code, p: message.NewPrinter(tag, message.Catalog(b)), tag: tag, plain: map[string]string{}, plural: map[string]forms{}, names: map[string]string{}}
		for key, m := range msgs {
			if err := b.Set(tag, key, m.message()); err != nil {
				return nil, fmt.Errorf("i18n: %s: %q: %w", e.Name(), key, err)
			}
			switch {
			case m.Other != "":
				t.plural[key] = forms{m.One, m.Other}
			case !strings.Contains(key, "%"):
				t.plain[key] = m.Text
			case onlyNames.MatchString(m.Text):
				t.names[key] = m.Text
			}
		}
		t.sentences = sentences(slices.DeleteFunc(writtenSentences(), func(k string) bool { _, ok := msgs[k]; return !ok }))
		t.sep = t.p.Sprintf("%.1f", 1.5)[1]
		byCode[code] = t
	}
	for code := range codes {
		if byCode[code] == nil {
			return nil, fmt.Errorf("i18n: locales/%s.json is missing", code)
		}
	}
	return &Catalog{cat: b, matcher: language.NewMatcher([]language.Tag{English, Catalan}), byCode: byCode, matched: map[string]*Translator{}}, nil
}

// Message is one entry of a language's file: a text, or its plural forms
// chosen by the first argument (an integer).
type Message struct {
	Text  string
	One   string
	Other string
}

// UnmarshalJSON reads "text" or {"one": "...", "other": "..."}.
func (m *Message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Text)
	}
	var forms struct{ One, Other string }
	if err := json.Unmarshal(b, &forms); err != nil {
		return err
	}
	if forms.One == "" || forms.Other == "" {
		return fmt.Errorf("a plural needs both \"one\" and \"other\"")
	}
	m.One, m.Other = forms.One, forms.Other
	return nil
}

func (m Message) message() catalog.Message {
	if m.Other == "" {
		return catalog.String(m.Text)
	}
	return plural.Selectf(1, "%d", plural.One, m.One, plural.Other, m.Other)
}

// Messages reads the file of the language code: key → message.
func Messages(code string) (map[string]Message, error) {
	raw, err := files.ReadFile(path.Join("locales", code+".json"))
	if err != nil {
		return nil, err
	}
	var msgs map[string]Message
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return nil, fmt.Errorf("i18n: locales/%s.json: %w", code, err)
	}
	return msgs, nil
}

// Choose is the language of a request: the one the person chose (its
// code, "" if none), else the best match of the browser's Accept-Language,
// else English.
func (c *Catalog) Choose(chosen, acceptLanguage string) *Translator {
	if t, ok := c.byCode[chosen]; ok {
		return t
	}
	c.mu.Lock()
	t, ok := c.matched[acceptLanguage]
	c.mu.Unlock()
	if ok {
		return t
	}
	tag, _ := language.MatchStrings(c.matcher, acceptLanguage)
	base, _ := tag.Base()
	if t, ok = c.byCode[base.String()]; !ok {
		t = c.byCode["en"]
	}
	c.mu.Lock()
	if len(c.matched) < matchedMost {
		c.matched[acceptLanguage] = t
	}
	c.mu.Unlock()
	return t
}

// Codes are the languages offered, by code, in order.
func (c *Catalog) Codes() []string {
	return slices.Sorted(maps.Keys(c.byCode))
}

// For is the Translator of a language code ("en", "ca"); English for any
// other.
func (c *Catalog) For(code string) *Translator {
	if t, ok := c.byCode[code]; ok {
		return t
	}
	return c.byCode["en"]
}

// Translator says Snapdash's words in one language.
type Translator struct {
	code   string
	tag    language.Tag
	p      *message.Printer
	plain  map[string]string // messages without arguments, looked up at once
	plural map[string]forms  // messages whose words depend on a count
	// names are the messages whose arguments are all %s or %d: with
	// strings and small numbers, which no language writes otherwise, fmt
	// says them as x/text would, at a fraction of its cost.
	names map[string]string
	sep   byte // the decimal separator
	// sentences are the messages with arguments, for Word to read a
	// sentence Nf wrote.
	sentences []sentence
}

// forms are a plural message's words for one thing and for other counts.
type forms struct{ one, other string }

func (t *Translator) isPlural(key string) bool {
	_, ok := t.plural[key]
	return ok
}

// T is key in the translator's language, formatted with args as fmt
// does. A nil Translator speaks English. English, the code's own words,
// and a message without arguments cost a map lookup at most: a page
// says hundreds.
func (t *Translator) T(key string, args ...any) string {
	switch {
	case t == nil && len(args) == 0 && !strings.Contains(key, "%"):
		return key
	case t == nil:
		return fmt.Sprintf(key, args...)
	case len(args) == 0:
		if s, ok := t.plain[key]; ok {
			return s
		}
		if t.code == "en" && !strings.Contains(key, "%") {
			return key
		}
	case t.code == "en" && !t.isPlural(key):
		return fmt.Sprintf(key, args...)
	default:
		if text, ok := t.names[key]; ok && t.asWritten(args) {
			return fmt.Sprintf(text, args...)
		}
	}
	return t.p.Sprintf(key, args...)
}

// onlyNames is a translation whose verbs are all %s or %d, in order or
// numbered.
var onlyNames = regexp.MustCompile(`^(?:[^%]|%%|%(?:\[[0-9]+\])?(?:[sd]|\.[0-9]f))*$`)

// asWritten tells whether args are written alike in every language once a
// decimal's separator is the language's: strings, and numbers too small to
// be grouped. It gives each decimal the language's separator.
func (t *Translator) asWritten(args []any) bool {
	for i, a := range args {
		switch v := a.(type) {
		case string:
		case int:
			if v <= -1000 || v >= 1000 {
				return false
			}
		case int64:
			if v <= -1000 || v >= 1000 {
				return false
			}
		case float64:
			if v <= -1000 || v >= 1000 {
				return false
			}
			args[i] = decimal{v, t.sep}
		default:
			return false
		}
	}
	return true
}

// decimal is a number written with its language's decimal separator, as
// fmt's %.Nf would write it otherwise.
type decimal struct {
	v   float64
	sep byte
}

func (d decimal) Format(f fmt.State, _ rune) {
	prec, ok := f.Precision()
	if !ok {
		prec = 6
	}
	b := strconv.AppendFloat(make([]byte, 0, 24), d.v, 'f', prec, 64)
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		b[i] = d.sep
	}
	_, _ = f.Write(b)
}

// Lang is the language's code, for <html lang>: "en" or "ca".
func (t *Translator) Lang() string {
	if t == nil {
		return "en"
	}
	return t.code
}

type ctxKey struct{}

// NewContext returns ctx carrying t.
func NewContext(ctx context.Context, t *Translator) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// From is ctx's Translator; nil (English) when it has none.
func From(ctx context.Context) *Translator {
	t, _ := ctx.Value(ctxKey{}).(*Translator)
	return t
}

// T is key in ctx's language.
func T(ctx context.Context, key string, args ...any) string { return From(ctx).T(key, args...) }

// N marks text as a message where it is written (a constant, a table), for
// the words to be found there; T says it in a language where it is shown.
func N(text string) string { return text }

// Word is key, a message marked where it was written (N, or a sentence
// Nf wrote), in the translator's language: for words chosen at run time
// and sentences kept in the record. What is not a message (a name,
// VPS.org's words, an old record's own text) stays as it is.
func (t *Translator) Word(key string) string { return t.word(key, 3) }

// Word is key in ctx's language (Translator.Word).
func Word(ctx context.Context, key string) string { return From(ctx).Word(key) }
