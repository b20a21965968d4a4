package views

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/vpsapi"
)

// snapshotRows are a server's table rows, one per snapshot. A page has up to
// 25 and they are most of its HTML: templ's work for each attribute and each
// piece of text made them half of a page's render (issue 29's profile), so
// each row is appended to one buffer and written at once. What a person or
// VPS.org wrote, and every word, goes through templ.EscapeString, as in a
// template; ids, times and numbers cannot hold a character that needs it.
type snapshotRows struct{ g *ServerGroup }

func (r snapshotRows) Render(ctx context.Context, w io.Writer) error {
	tr := i18n.From(ctx)
	words := newRowWords(tr)
	b := make([]byte, 0, 2048) // a row is about 1 KB
	for _, s := range r.g.Snapshots {
		b = snapshotRow{r.g, s}.append(b[:0], ctx, tr, &words)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// rowWords are the words every row says alike, looked up and escaped once
// for the table.
type rowWords struct {
	name, status, size, created, description string
	restore, delete, marks, pinned, inUse    string
	restoreFrom                              twoNames // "%s from %s": the server, then the snapshot
}

func newRowWords(tr *i18n.Translator) rowWords {
	e := templ.EscapeString[string]
	return rowWords{
		name: e(tr.T("Name")), status: e(tr.T("Status")), size: e(tr.T("Size")),
		created: e(tr.T("Created")), description: e(tr.T("Description")),
		restore: e(tr.T("Restore")), delete: e(tr.T("Delete")), marks: e(tr.T("Pin or note")),
		pinned: e(tr.T("pinned")), inUse: e(tr.T("In use by the running restore.")),
		restoreFrom: newTwoNames(tr, i18n.N("%s from %s")),
	}
}

// twoNames is a message of two names, translated once and cut around them,
// so that a row writes it without formatting: formatting it on every row was
// a quarter of the rows' work.
type twoNames struct {
	tr        *i18n.Translator
	key       string
	parts     [3]string // escaped: before, between and after the names
	swapped   bool      // the language says the second name first
	formatted bool      // a translation that does not name both once: formatted each time
}

func newTwoNames(tr *i18n.Translator, key string) twoNames {
	w := twoNames{tr: tr, key: key}
	out := tr.T(key, "\x00", "\x01")
	i, j := strings.IndexByte(out, 0), strings.IndexByte(out, 1)
	if i < 0 || j < 0 || strings.Count(out, "\x00") != 1 || strings.Count(out, "\x01") != 1 {
		w.formatted = true
		return w
	}
	if w.swapped = j < i; w.swapped {
		i, j = j, i
	}
	e := templ.EscapeString[string]
	w.parts = [3]string{e(out[:i]), e(out[i+1 : j]), e(out[j+1:])}
	return w
}

// append writes the message of a and b, escaped.
func (w *twoNames) append(b []byte, a, c string) []byte {
	if w.formatted {
		return escaped(b, w.tr.T(w.key, a, c))
	}
	if w.swapped {
		a, c = c, a
	}
	b = append(b, w.parts[0]...)
	b = escaped(b, a)
	b = append(b, w.parts[1]...)
	b = escaped(b, c)
	return append(b, w.parts[2]...)
}

// snapshotRow is one snapshot's row.
type snapshotRow struct {
	g *ServerGroup
	s vpsapi.Snapshot
}

func (r snapshotRow) append(b []byte, ctx context.Context, tr *i18n.Translator, words *rowWords) []byte {
	g, s := r.g, r.s
	var idb [20]byte
	id := strconv.AppendInt(idb[:0], s.ID, 10)

	b = append(b, `<tr id="snapshot-`...)
	b = append(b, id...)
	b = append(b, `" class="snapshot" tabindex="-1"`...)
	if g.Focus != "" && g.Focus == "snapshot-"+string(id) {
		b = append(b, ` autofocus`...)
	}
	b = append(b, `><td class="name" data-label="`...)
	b = append(b, words.name...)
	b = append(b, `"><span class="snap-name">`...)
	b = escaped(b, s.Name)
	b = append(b, `</span> `...)
	if a, ok := g.CreatedBy[s.ID]; ok {
		b = append(b, `<span class="by">`...)
		b = escaped(b, tr.T("created by %s", a.Actor))
		b = append(b, ` · `...)
		b = timeAgo{a.At, g.Now}.append(b, tr)
		b = append(b, `</span> `...)
	}
	if p, ok := g.Pins[s.ID]; ok {
		b = append(b, `<span class="by pin"><span class="badge pinned">`...)
		b = append(b, words.pinned...)
		b = append(b, `</span> `...)
		b = escaped(b, tr.T("by %s", p.Actor))
		b = append(b, ` · `...)
		b = timeAgo{p.At, g.Now}.append(b, tr)
		b = append(b, `: `...)
		b = escaped(b, p.Text)
		b = append(b, `</span>`...)
	}
	b = append(b, `</td><td data-label="`...)
	b = append(b, words.status...)
	b = append(b, `">`...)
	b = badge(s.Status).append(b, ctx)
	b = append(b, `</td><td class="num" data-label="`...)
	b = append(b, words.size...)
	b = append(b, `">`...)
	size := len(b)
	b = escapedFrom(appendSize(b, tr, s.SizeMB), size)
	b = append(b, `</td><td class="num" data-label="`...)
	b = append(b, words.created...)
	b = append(b, `">`...)
	b = timeAgo{s.CreatedAt, g.Now}.append(b, tr)
	b = append(b, `</td><td class="desc" data-label="`...)
	b = append(b, words.description...)
	b = append(b, `">`...)
	b = escaped(b, s.Description)
	if n, ok := g.Notes[s.ID]; ok {
		b = append(b, `<span class="note"><span class="by">`...)
		b = escaped(b, tr.T("note by %s", n.Actor))
		b = append(b, ` · `...)
		b = timeAgo{n.At, g.Now}.append(b, tr)
		b = append(b, `</span> `...)
		b = escaped(b, n.Text)
		b = append(b, `</span>`...)
	}
	b = append(b, `</td><td class="row-actions">`...)
	if s.Status == vpsapi.StatusCompleted && !g.Restoring() && g.Job == nil && g.NoRestore == "" {
		b = dialogAnchor(b, g, id, "restore", true)
		b = append(b, words.restore...)
		b = append(b, `<span class="sr-only">`...)
		b = words.restoreFrom.append(b, g.Name, s.Name)
		b = append(b, `</span></a> `...)
	}
	switch p, pinned := g.Pins[s.ID]; {
	case g.NoDelete != "":
	case pinned:
		b = disabledDelete(b, id, "pinned", words, s.Name)
		b = escaped(b, tr.T("Pinned by %s.", p.Actor))
		b = append(b, `</span> `...)
	case g.inUse(s.ID):
		b = disabledDelete(b, id, "inuse", words, s.Name)
		b = append(b, words.inUse...)
		b = append(b, `</span> `...)
	default:
		b = dialogAnchor(b, g, id, "delete", true)
		b = append(b, words.delete...)
		b = append(b, `<span class="sr-only">`...)
		b = escaped(b, s.Name)
		b = append(b, `</span></a> `...)
	}
	if g.Pins != nil || g.Notes != nil || g.MarksOn {
		b = dialogAnchor(b, g, id, "marks", false)
		b = append(b, words.marks...)
		b = append(b, `<span class="sr-only">`...)
		b = escaped(b, s.Name)
		b = append(b, `</span></a>`...)
	}
	return append(b, `</td></tr>`...)
}

// dialogAnchor is a row's link to one of its dialogs (restore, delete,
// marks): a plain link without JavaScript; with it, the table's tbody
// boosts it into #dialog (see ServerLive), said once for all the rows
// instead of in each link, a seventh of a page's bytes. Restore and delete
// come back to a filtered view.
func dialogAnchor(b []byte, g *ServerGroup, id []byte, action string, comesBack bool) []byte {
	b = append(b, `<a class="button secondary small" id="snapshot-`...)
	b = append(b, id...)
	b = append(b, '-')
	b = append(b, action...)
	b = append(b, `" href="`...)
	start := len(b)
	b = g.appendLink(b, "/snapshots/", string(id), "/", action)
	if comesBack {
		b = append(b, g.comeBack()...)
	}
	return append(escapedFrom(b, start), `">`...)
}

// disabledDelete is a row's Delete that cannot be used, described by its
// reason, which the caller writes before closing the span.
func disabledDelete(b, id []byte, why string, words *rowWords, name string) []byte {
	b = append(b, `<button type="button" class="secondary small" id="snapshot-`...)
	b = append(b, id...)
	b = append(b, `-delete" disabled aria-describedby="snapshot-`...)
	b = append(b, id...)
	b = append(b, '-')
	b = append(b, why...)
	b = append(b, `">`...)
	b = append(b, words.delete...)
	b = append(b, `<span class="sr-only">`...)
	b = escaped(b, name)
	b = append(b, `</span></button> <span class="reason" id="snapshot-`...)
	b = append(b, id...)
	b = append(b, '-')
	b = append(b, why...)
	return append(b, `">`...)
}

// escaped appends s as templ writes a string, escaped for HTML text and
// quoted attributes.
func escaped(b []byte, s string) []byte {
	return append(b, templ.EscapeString(s)...)
}

// escapedFrom escapes what was appended to b from start, as escaped would
// have: what was appended without a string of its own (a size, a link).
func escapedFrom(b []byte, start int) []byte {
	if bytes.ContainsAny(b[start:], `&'<>"`) {
		return append(b[:start], templ.EscapeString(string(b[start:]))...)
	}
	return b
}
