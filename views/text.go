package views

import (
	"context"
	"html"
	"io"
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

// badge is a status badge. Its class comes from BadgeClass's fixed set, so
// it skips templ's class handling, which builds a class list for each one.
type badge string

func (b badge) Render(ctx context.Context, w io.Writer) error {
	_, err := io.WriteString(w, `<span class="`+BadgeClass(string(b))+`">`+html.EscapeString(StatusLabel(ctx, string(b)))+`</span>`)
	return err
}

// timeAgo is a <time> saying how long before now t was, with the exact time
// as its datetime and title. None of the three can hold a character that
// needs escaping, so it is written in one piece, without templ's work for
// each attribute.
type timeAgo struct{ t, now time.Time }

func (a timeAgo) Render(ctx context.Context, w io.Writer) error {
	u := a.t.UTC()
	b := make([]byte, 0, 128)
	b = append(b, `<time datetime="`...)
	b = u.AppendFormat(b, time.RFC3339)
	b = append(b, `" title="`...)
	b = u.AppendFormat(b, utcLayout)
	b = append(b, `">`...)
	b = appendAge(b, i18n.From(ctx), a.t, a.now)
	b = append(b, `</time>`...)
	_, err := w.Write(b)
	return err
}

// cell is a table cell labelled for phones (app.css shows its data-label
// before it), written without templ's attribute machinery: a page has a
// hundred. B is the body's concrete type, so nothing is boxed.
type cell[B interface {
	Render(context.Context, io.Writer) error
}] struct {
	class, label string
	body         B
}

func (c cell[B]) Render(ctx context.Context, w io.Writer) error {
	parts := [...]string{`<td`, "", "", "", ` data-label="`, html.EscapeString(c.label), `">`}
	if c.class != "" {
		parts[1], parts[2], parts[3] = ` class="`, c.class, `"` // written apart: joined, they would be allocated
	}
	for _, part := range parts {
		if _, err := io.WriteString(w, part); err != nil {
			return err
		}
	}
	if err := c.body.Render(ctx, w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "</td>")
	return err
}
