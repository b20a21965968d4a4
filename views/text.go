package views

import (
	"context"
	"html"
	"io"
	"strconv"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
)

// text is written escaped, as templ's { } writes a string. templ formats each
// { } string through fmt.Sprint, two allocations each; a page of 25 rows has
// some 250 of them, and they were a fifth of its rendering.
type text string

func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, html.EscapeString(string(t)))
	return err
}

// badge is a status badge. Its class comes from badgeKind's fixed set, so
// it skips templ's class handling, which builds a class list for each one.
type badge string

func (b badge) Render(ctx context.Context, w io.Writer) error {
	_, err := w.Write(b.append(make([]byte, 0, 64), ctx))
	return err
}

func (b badge) append(buf []byte, ctx context.Context) []byte {
	return appendBadge(buf, ctx, string(b), "")
}

// serverBadge is a server's status on its card: a badge with the test id
// the browser tests find it by, and the space that parts it from the count
// (templ writes one between elements on their own lines, not after a
// component).
type serverBadge string

func (b serverBadge) Render(ctx context.Context, w io.Writer) error {
	_, err := w.Write(append(appendBadge(make([]byte, 0, 96), ctx, string(b), ` data-testid="server-status"`), ' '))
	return err
}

// appendBadge writes status's badge; attrs are attributes written as they
// are (a constant).
func appendBadge(buf []byte, ctx context.Context, status, attrs string) []byte {
	buf = append(buf, `<span class="badge `...)
	buf = append(buf, badgeKind(status)...)
	buf = append(buf, '"')
	buf = append(buf, attrs...)
	buf = append(buf, '>')
	buf = escaped(buf, StatusLabel(ctx, status))
	return append(buf, `</span>`...)
}

// quota is a card's count of snapshots against the most it may hold, marked
// when full, written without templ's class list; a space parts it from what
// follows, as serverBadge's does.
type quota struct{ g *ServerGroup }

func (q quota) Render(ctx context.Context, w io.Writer) error {
	tr := i18n.From(ctx)
	b := make([]byte, 0, 160)
	b = append(b, `<span class="`...)
	b = append(b, q.g.quotaClass()...)
	b = append(b, `" title="`...)
	b = escaped(b, tr.T("Snapshots on this server, of the most it may hold"))
	b = append(b, `"><span class="sr-only">`...)
	b = escaped(b, tr.T("Snapshots used:"))
	b = append(b, ` </span>`...)
	b = escaped(b, q.g.Quota())
	_, err := w.Write(append(b, `</span> `...))
	return err
}

// timeAgo is a <time> saying how long before now t was, with the exact time
// as its datetime and title. None of the three can hold a character that
// needs escaping, so it is written in one piece, without templ's work for
// each attribute.
type timeAgo struct{ t, now time.Time }

func (a timeAgo) Render(ctx context.Context, w io.Writer) error {
	_, err := w.Write(a.append(make([]byte, 0, 128), i18n.From(ctx)))
	return err
}

func (a timeAgo) append(b []byte, tr *i18n.Translator) []byte {
	u := a.t.UTC()
	b = append(b, `<time datetime="`...)
	b = appendUTC(b, u, 'T', "Z")
	b = append(b, `" title="`...)
	b = appendUTC(b, u, ' ', " UTC")
	b = append(b, `">`...)
	b = appendAge(b, tr, a.t, a.now)
	return append(b, `</time>`...)
}

// appendUTC writes u (in UTC) as "2006-01-02" sep "15:04:05" then zone:
// time.RFC3339 with 'T' and "Z", utcLayout with ' ' and " UTC". Each row
// says two, and time.AppendFormat's parsing of its layout was a tenth of a
// page's render. A year of other than four digits goes through it.
func appendUTC(b []byte, u time.Time, sep byte, zone string) []byte {
	year, month, day := u.Date()
	if year < 1000 || year > 9999 {
		if sep == 'T' {
			return u.AppendFormat(b, time.RFC3339)
		}
		return u.AppendFormat(b, utcLayout)
	}
	hour, minute, second := u.Clock()
	b = strconv.AppendInt(b, int64(year), 10)
	b = append(b, '-', byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), sep,
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':', byte('0'+second/10), byte('0'+second%10))
	return append(b, zone...)
}
