package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A pinned snapshot cannot be deleted: the row says who pinned it and why,
// Delete is disabled, and a hand-made delete is refused with nothing sent;
// unpinned, it can go. Every decision is in the activity record.
func TestPinnedSnapshotSurvivesADelete(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.get("/snapshots/798/marks?server_id=12345")
	if dlg.StatusCode != http.StatusOK {
		t.Fatalf("pin dialog: %d", dlg.StatusCode)
	}
	if r := b.post("/snapshots/798/pin?server_id=12345", formFields(dlg, `form[action*="/marks"]`)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a pin without a reason: %d", r.StatusCode)
	}
	form := formFields(dlg, `form[action*="/marks"]`)
	form.Set("reason", "golden image")
	if r := b.post("/snapshots/798/pin?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pin: %d %s", r.StatusCode, r.Body)
	}
	row := b.get("/").Doc.Find("#snapshot-798")
	if !strings.Contains(row.Find(".pin").Text(), "golden image") || row.Find("button[disabled]#snapshot-798-delete").Length() != 1 {
		t.Errorf("the pinned row: %q", row.Text())
	}
	// The delete page (without JavaScript) says why it cannot delete, not
	// that it will, and leads to where it may be unpinned.
	confirm := b.get("/snapshots/798/delete?server_id=12345")
	if !strings.Contains(confirm.Doc.Find("#confirm-error").Text(), "pinned by token") || confirm.Doc.Find("form.confirm button.danger:not([disabled])").Length() != 0 ||
		strings.Contains(confirm.Doc.Find("form.confirm").Text(), "will be deleted permanently") ||
		confirm.Doc.Find(`a#confirm-unpin[href="/snapshots/798/marks?server_id=12345"]`).Length() != 1 {
		t.Errorf("the delete page of a pinned snapshot: %q", strings.Join(strings.Fields(confirm.Doc.Find("form.confirm").Text()), " "))
	}
	ts.sim.ResetCalls()
	r := b.post("/snapshots/798/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Doc.Find("#confirm-error").Text(), "pinned") {
		t.Errorf("a hand-made delete of a pinned snapshot: %d", r.StatusCode)
	}
	if n := ts.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
		t.Errorf("%d deletes reached VPS.org", n)
	}
	dlg = b.get("/snapshots/798/marks?server_id=12345")
	if r := b.post("/snapshots/798/unpin?server_id=12345", formFields(dlg, `form[action*="/marks"]`)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpin: %d", r.StatusCode)
	}
	if r := b.post("/snapshots/798/delete?server_id=12345", formFields(b.get("/snapshots/798/delete?server_id=12345"), "form.confirm")); r.StatusCode != http.StatusSeeOther {
		t.Errorf("delete once unpinned: %d", r.StatusCode)
	}
	acts := texts(b.get("/activity").Doc.Find("tr.record td.what"))
	all := strings.Join(acts, "\n")
	for _, want := range []string{"pinned snapshot weekly-snapshot-2025-01-08 of web-server-01: golden image", "unpinned snapshot weekly-snapshot-2025-01-08", "deleted snapshot weekly-snapshot-2025-01-08"} {
		if !strings.Contains(all, want) {
			t.Errorf("the activity record lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(b.get("/activity").Body, "refused by Snapdash: pinned by") {
		t.Error("the refused delete is not recorded")
	}
}

// A note shows on its row, hostile text as text; it is recorded.
func TestNotesRenderAsText(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.get("/snapshots/801/marks?server_id=12345")
	form := formFields(dlg, `form[action*="/marks"]`)
	form.Set("note", `<img src=x onerror=alert(1)> keep until "Q3"`)
	if r := b.post("/snapshots/801/note?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", r.StatusCode)
	}
	page := b.get("/")
	note := page.Doc.Find("#snapshot-801 .note")
	if !strings.Contains(note.Text(), `<img src=x onerror=alert(1)> keep until "Q3"`) || note.Find("img").Length() != 0 {
		t.Errorf("the note: %q", note.Text())
	}
	form.Set("note", strings.Repeat("x", 501))
	if r := b.post("/snapshots/801/note?server_id=12345", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a 501-character note: %d", r.StatusCode)
	}
	if !strings.Contains(b.get("/activity?action=note").Body, "noted on snapshot pre-migration-snapshot") {
		t.Error("the note is not recorded")
	}
}

// A person's writes are limited: 200 notes at once are not 200 records. The
// first burst goes through; the rest get 429 with a clear page, record
// nothing, and leave the session signed in. Another person is not slowed.
func TestWritesAreLimitedPerPerson(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback)
	alice := asIn("alice@example.com", "")
	a := signedInAs(t, ts, alice...)
	form := formFields(a.get("/snapshots/801/marks?server_id=12345", alice...), `form[action*="/marks"]`)
	accepted, limited := 0, 0
	start := time.Now()
	for i := range 200 {
		form.Set("note", fmt.Sprintf("note %d", i))
		switch r := a.post("/snapshots/801/note?server_id=12345", form, alice...); r.StatusCode {
		case http.StatusSeeOther:
			accepted++
		case http.StatusTooManyRequests:
			limited++
			if limited == 1 && !strings.Contains(r.Doc.Text(), "Too many changes in a short time") {
				t.Errorf("the 429 page reads %q", strings.Join(strings.Fields(r.Doc.Text()), " "))
			}
		default:
			t.Fatalf("note %d: %d", i, r.StatusCode)
		}
		if limited == 3 {
			break
		}
	}
	// The burst of 20, and one a second since: however slow the machine.
	if most := 20 + int(time.Since(start)/time.Second) + 1; accepted < 20 || accepted > most || limited == 0 {
		t.Errorf("%d notes accepted (at most %d), %d limited", accepted, most, limited)
	}
	if n := strings.Count(a.get("/activity?action=note", alice...).Body, "noted on snapshot"); n != accepted {
		t.Errorf("%d notes recorded, %d accepted", n, accepted)
	}
	bob := asIn("bob@example.com", "")
	b := signedInAs(t, ts, bob...)
	form = formFields(b.get("/snapshots/801/marks?server_id=12345", bob...), `form[action*="/marks"]`)
	form.Set("note", "bob's")
	if r := b.post("/snapshots/801/note?server_id=12345", form, bob...); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another person's note: %d", r.StatusCode)
	}
	if r := a.get("/", alice...); r.StatusCode != http.StatusOK {
		t.Errorf("after the limit the page answers %d: the session did not survive", r.StatusCode)
	}
}

// The pin and note dialog is one form: a reason and a note typed together
// are both saved by Pin, and a note typed before Unpin is kept too.
func TestPinAndNoteInOneSubmit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.get("/snapshots/801/marks?server_id=12345")
	if n := dlg.Doc.Find(".marks form").Length(); n != 1 {
		t.Fatalf("the dialog has %d forms, want 1", n)
	}
	form := formFields(dlg, `form[action*="/marks"]`)
	form.Set("reason", "golden image")
	form.Set("note", "base of the web tier")
	form.Set("do", "pin")
	if r := b.post("/snapshots/801/marks?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("pin and note: %d", r.StatusCode)
	}
	page := b.get("/")
	if !strings.Contains(page.Doc.Find("#snapshot-801 .pin").Text(), "golden image") || !strings.Contains(page.Doc.Find("#snapshot-801 .note").Text(), "base of the web tier") {
		t.Errorf("the row reads pin %q, note %q", page.Doc.Find("#snapshot-801 .pin").Text(), page.Doc.Find("#snapshot-801 .note").Text())
	}
	form = formFields(b.get("/snapshots/801/marks?server_id=12345"), `form[action*="/marks"]`)
	form.Set("note", "no longer golden")
	form.Set("do", "unpin")
	if r := b.post("/snapshots/801/marks?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpin: %d", r.StatusCode)
	}
	page = b.get("/")
	if page.Doc.Find("#snapshot-801 .pin").Length() != 0 || !strings.Contains(page.Doc.Find("#snapshot-801 .note").Text(), "no longer golden") {
		t.Errorf("after unpin the row reads pin %q, note %q", page.Doc.Find("#snapshot-801 .pin").Text(), page.Doc.Find("#snapshot-801 .note").Text())
	}
}

// Without JavaScript, a delete confirmed from the page filtered to one
// server comes back to that filtered page; from the whole page, to the
// whole page (at the server's card).
func TestNoScriptDeleteKeepsTheFilter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	link := b.get("/?server_id=12345").Doc.Find("#snapshot-798-delete").AttrOr("href", "")
	if !strings.Contains(link, "back=filtered") {
		t.Fatalf("the filtered page's Delete leads to %q", link)
	}
	page := b.get(strings.TrimPrefix(link, ts.base))
	if back := page.Doc.Find("form.confirm a[data-dismiss]").AttrOr("href", ""); back != "/?server_id=12345" {
		t.Errorf("Cancel leads to %q", back)
	}
	r := b.post(strings.TrimPrefix(page.Doc.Find("form.confirm").AttrOr("action", ""), ts.base), formFields(page, "form.confirm"))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(strings.TrimPrefix(r.Header.Get("Location"), ts.URL), "/?server_id=12345") {
		t.Errorf("after the delete: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	whole := b.get("/").Doc.Find("#snapshot-801-delete").AttrOr("href", "")
	if strings.Contains(whole, "back=") {
		t.Errorf("the whole page's Delete leads to %q", whole)
	}
	if back := b.get(strings.TrimPrefix(whole, ts.base)).Doc.Find("form.confirm a[data-dismiss]").AttrOr("href", ""); back != "/#server-12345" {
		t.Errorf("from the whole page, Cancel leads to %q", back)
	}
}
