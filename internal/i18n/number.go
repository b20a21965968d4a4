package i18n

import (
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
)

// AppendInt appends key, a message whose one argument is n (%d), in t's
// language. A page says an age and a count on every row: said here, they
// cost no formatting machinery and no allocation of their own.
func (t *Translator) AppendInt(b []byte, key string, n int64) []byte {
	if text, ok := t.words(key, n, true); ok && n > -1000 && n < 1000 {
		if before, after, prec, ok := oneNumber(text); ok && prec < 0 {
			b = append(b, before...)
			return append(strconv.AppendInt(b, n, 10), after...)
		}
	}
	return append(b, t.T(key, n)...)
}

// AppendFloat appends key, a message whose one argument is v (%.Nf), in
// t's language: "1,5 GB" in Catalan.
func (t *Translator) AppendFloat(b []byte, key string, v float64) []byte {
	if text, ok := t.words(key, 0, false); ok && v > -1000 && v < 1000 {
		if before, after, prec, ok := oneNumber(text); ok && prec >= 0 {
			b = append(b, before...)
			start := len(b)
			b = strconv.AppendFloat(b, v, 'f', prec, 64)
			if sep := t.separator(); sep != '.' {
				for i := start; i < len(b); i++ {
					if b[i] == '.' {
						b[i] = sep
					}
				}
			}
			return append(b, after...)
		}
	}
	return append(b, t.T(key, v)...)
}

// words are the words key says in t's language for the number n: a
// plural's form chosen by the language's rules (as x/text's plural.Selectf
// does for a whole number), else the message's one text. ok is false when
// only the catalog's printer can say key, and for a plural when the number
// is not whole. One map lookup for most messages in either language.
func (t *Translator) words(key string, n int64, whole bool) (text string, ok bool) {
	if t == nil {
		return key, true
	}
	if t.code != "en" {
		if text, ok := t.names[key]; ok {
			return text, true
		}
	}
	f, isPlural := t.plural[key]
	switch {
	case !isPlural:
		return key, t.code == "en"
	case !whole:
		return "", false
	case plural.Cardinal.MatchPlural(t.tag, int(max(n, -n)), 0, 0, 0, 0) == plural.One:
		return f.one, true
	}
	return f.other, true
}

// oneNumber splits text, a message's words, around its one number; prec is
// the %.Nf's N, or -1 for %d. ok is false when the message has more than
// one argument, or another verb.
func oneNumber(text string) (before, after string, prec int, ok bool) {
	i := strings.IndexByte(text, '%')
	if i < 0 || i+1 >= len(text) {
		return "", "", 0, false
	}
	before, rest := text[:i], text[i+1:]
	switch {
	case rest[0] == 'd':
		prec, after = -1, rest[1:]
	case len(rest) >= 3 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' && rest[2] == 'f':
		prec, after = int(rest[1]-'0'), rest[3:]
	default:
		return "", "", 0, false
	}
	if strings.IndexByte(after, '%') >= 0 {
		return "", "", 0, false
	}
	return before, after, prec, true
}

func (t *Translator) separator() byte {
	if t == nil || t.sep == 0 {
		return '.'
	}
	return t.sep
}
