package i18n

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Nf is fmt.Sprintf, marking format as a message where it is written: a
// sentence with names in it that is kept as written (in the record, in
// English) and said in the reader's language where it is shown, by Word,
// which reads the names back out of it.
func Nf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// sentence is a message with arguments, as Word recognises it in a text
// Nf wrote: the literal words around its %s and %d.
type sentence struct {
	key    string
	prefix string // the words before the first argument: most texts fail here
	re     *regexp.Regexp
	kinds  []byte // each argument's verb, 's' or 'd'
}

var argVerb = regexp.MustCompile(`%[sd]`)

// sentences are the keys with %s or %d arguments only (no width, no
// index, no other verb), the most literal words first, so that of two
// that read a text the more particular says it.
func sentences(keys []string) []sentence {
	var out []sentence
	for _, k := range keys {
		locs := argVerb.FindAllStringIndex(k, -1)
		if len(locs) == 0 || strings.Count(k, "%") != len(locs) || !strings.ContainsFunc(argVerb.ReplaceAllString(k, ""), unicode.IsLetter) {
			continue // not a sentence, or none of its words are Snapdash's ("%s")
		}
		var re strings.Builder
		re.WriteString("^")
		s := sentence{key: k, prefix: k[:locs[0][0]]}
		last := 0
		for _, l := range locs {
			re.WriteString(regexp.QuoteMeta(k[last:l[0]]))
			if k[l[1]-1] == 'd' {
				re.WriteString(`(-?[0-9]+)`)
			} else {
				re.WriteString(`(.+?)`)
			}
			s.kinds = append(s.kinds, k[l[1]-1])
			last = l[1]
		}
		re.WriteString(regexp.QuoteMeta(k[last:]) + "$")
		s.re = regexp.MustCompile("(?s)" + re.String())
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := len(out[i].key)-2*len(out[i].kinds), len(out[j].key)-2*len(out[j].kinds)
		if li != lj {
			return li > lj
		}
		return out[i].key < out[j].key
	})
	return out
}

// sentence says text, written by Nf, in t's language: its arguments read
// back out of it, each that is itself words (it has a space) said again,
// depth levels down. Two sentences joined by "; " are said each.
func (t *Translator) sentence(text string, depth int) (string, bool) {
	if depth == 0 {
		return text, false
	}
	for _, s := range t.sentences {
		if !strings.HasPrefix(text, s.prefix) {
			continue
		}
		m := s.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		args := make([]any, len(s.kinds))
		for i, a := range m[1:] {
			if s.kinds[i] == 'd' {
				n, err := strconv.Atoi(a)
				if err != nil {
					return text, false
				}
				args[i] = n
			} else {
				args[i] = t.word(a, depth-1)
			}
		}
		return t.T(s.key, args...), true
	}
	if head, tail, ok := strings.Cut(text, "; "); ok {
		h, hok := t.phrase(head, depth)
		r, rok := t.phrase(tail, depth)
		if hok || rok {
			return h + "; " + r, true
		}
	}
	return text, false
}

// phrase is text as a message, or as a sentence Nf wrote.
func (t *Translator) phrase(text string, depth int) (string, bool) {
	if s, ok := t.plain[text]; ok {
		return s, true
	}
	return t.sentence(text, depth)
}

// word is Word, depth levels into a sentence's arguments.
func (t *Translator) word(text string, depth int) string {
	if t == nil || t.code == "en" || text == "" {
		return text
	}
	if s, ok := t.plain[text]; ok {
		return s
	}
	if !strings.Contains(text, " ") {
		return text // a name, a code: never a sentence
	}
	s, _ := t.sentence(text, depth)
	return s
}
