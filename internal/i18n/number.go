package i18n

import (
	"strconv"
	"strings"
)

// AppendInt appends key, a message whose one argument is n (%d), in t's
// language. A page says an age and a count on every row: said here, they
// cost no formatting machinery and no allocation of their own.
func (t *Translator) AppendInt(b []byte, key string, n int64) []byte {
	if before, after, prec, ok := t.oneNumber(key, n > -1000 && n < 1000); ok && prec < 0 {
		b = append(b, before...)
		return append(strconv.AppendInt(b, n, 10), after...)
	}
	return append(b, t.T(key, n)...)
}

// AppendFloat appends key, a message whose one argument is v (%.Nf), in
// t's language: "1,5 GB" in Catalan.
func (t *Translator) AppendFloat(b []byte, key string, v float64) []byte {
	if before, after, prec, ok := t.oneNumber(key, v > -1000 && v < 1000); ok && prec >= 0 {
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
	return append(b, t.T(key, v)...)
}

// oneNumber splits the words key says in t's language around its one
// number; prec is the %.Nf's N, or -1 for %d. ok is false when the message
// takes another way (a plural, more arguments, a number large enough to be
// grouped: small is false).
func (t *Translator) oneNumber(key string, small bool) (before, after string, prec int, ok bool) {
	if !small {
		return "", "", 0, false
	}
	text := key
	if t != nil && t.code != "en" {
		if text, ok = t.names[key]; !ok {
			return "", "", 0, false
		}
	} else if t != nil && t.plural[key] {
		return "", "", 0, false
	}
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
