package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// While a restore Snapdash started runs, the snapshot it reads from cannot be
// deleted: its Delete is disabled with the reason, and refused server-side.
func TestDeleteRefusedWhileARestoreUsesTheSnapshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	confirm := b.get("/snapshots/801/restore?server_id=12345")
	form := formFields(confirm, "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "web-server-01")
	if r := b.post("/snapshots/801/restore?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.StatusCode)
	}
	page := b.get("/")
	row := page.Doc.Find("#snapshot-801")
	if row.Find(`button[disabled]#snapshot-801-delete`).Length() != 1 || !strings.Contains(row.Find(".reason").Text(), "restore") {
		t.Errorf("the snapshot being restored from has an enabled Delete: %q", row.Find(".row-actions").Text())
	}
	if page.Doc.Find(`#snapshot-798 a#snapshot-798-delete`).Length() != 1 {
		t.Error("another snapshot of the restoring server lost its Delete")
	}
	dlg := b.get("/snapshots/801/delete?server_id=12345")
	if !strings.Contains(dlg.Doc.Find("#confirm-error").Text(), "being restored") || dlg.Doc.Find(`button[type=submit][disabled]`).Length() != 1 {
		t.Errorf("the delete confirmation does not say why: %q", dlg.Doc.Find("form.confirm").Text())
	}
	ts.sim.ResetCalls()
	r := b.post("/snapshots/801/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
	if r.StatusCode != http.StatusConflict {
		t.Errorf("delete of the snapshot in use: %d, want 409", r.StatusCode)
	}
	if n := ts.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 0 {
		t.Errorf("the delete reached VPS.org %d times", n)
	}
	ts.clock.Add(21 * time.Second) // the restore finishes
	if b.get("/").Doc.Find(`#snapshot-801 a#snapshot-801-delete`).Length() != 1 {
		t.Error("Delete stays disabled after the restore finished")
	}
}

// The delete confirmation of a snapshot still being taken says so.
func TestDeleteInProgressSnapshotSaysSo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-in-progress-3b3b", simulator.ServerSeed{ID: 5151, Name: "busy", Snapshots: []simulator.SnapshotSeed{{ID: 9151, Name: "taking", Status: "in_progress"}}})
	b := ts.browser()
	b.signIn("tk-in-progress-3b3b")
	dlg := b.hx(http.MethodGet, "/snapshots/9151/delete?server_id=5151", nil)
	if !strings.Contains(dlg.Doc.Find(".warning").Text(), "still being taken") {
		t.Errorf("dialog: %q", dlg.Doc.Find("form").Text())
	}
}

// Destructive confirmations start on Cancel, never on their red button; the
// restore button waits for the typed name (app.js), and the page versions
// start with an h1.
func TestConfirmationsStartOnCancel(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for _, path := range []string{"/snapshots/801/restore?server_id=12345", "/snapshots/801/delete?server_id=12345"} {
		for _, r := range []response{b.hx(http.MethodGet, path, nil), b.get(path)} {
			auto := r.Doc.Find("form.confirm [autofocus]")
			if auto.Length() != 1 || auto.Text() != "Cancel" {
				t.Errorf("%s: initial focus on %q, want Cancel", path, auto.Text())
			}
			if r.Doc.Find("form.confirm button.danger[autofocus]").Length() != 0 {
				t.Errorf("%s: starts on the destructive button", path)
			}
		}
		if h1 := b.get(path).Doc.Find("main h1").Text(); h1 == "" {
			t.Errorf("%s without JavaScript has no h1", path)
		}
	}
	r := b.hx(http.MethodGet, "/snapshots/801/restore?server_id=12345", nil)
	if r.Doc.Find(`#confirm-name[data-confirm-name="web-server-01"]`).Length() != 1 || r.Doc.Find("button[data-needs-confirm]").Length() != 1 {
		t.Error("the restore dialog does not tie its button to the typed name")
	}
}

// The restore confirmation of a stopped server does not say it will be stopped;
// an empty confirmation asks for the name.
func TestRestoreWordingForAStoppedServerAndAnEmptyName(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.sim.AddAccount("tk-stopped-server-1c1c", simulator.ServerSeed{ID: 6161, Name: "sleepy", Status: "stopped", Snapshots: []simulator.SnapshotSeed{{ID: 9161, Name: "nap", SizeMB: 10}}})
	b := ts.browser()
	b.signIn("tk-stopped-server-1c1c")
	dlg := b.get("/snapshots/9161/restore?server_id=6161")
	w := dlg.Doc.Find(".warning").Text()
	if strings.Contains(w, "will be stopped") || !strings.Contains(w, "is stopped") || !strings.Contains(w, "overwritten") {
		t.Errorf("warning for a stopped server: %q", strings.Join(strings.Fields(w), " "))
	}
	form := formFields(dlg, "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "  ")
	r := b.post("/snapshots/9161/restore?server_id=6161", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#confirm-error").Text(), "Type the server's name") {
		t.Errorf("empty confirmation: %d %q", r.StatusCode, r.Doc.Find("#confirm-error").Text())
	}
	if st := ts.sim.ServerStatus(6161); st != "stopped" {
		t.Errorf("server %s", st)
	}
}

// A refused restore ("already running") refreshes the card behind the dialog.
func TestRefusedRestoreRefreshesTheCard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	first := formFields(b.hx(http.MethodGet, "/snapshots/801/restore?server_id=12345", nil), "form.confirm")
	first.Del("safety") // a plain restore
	second := formFields(b.hx(http.MethodGet, "/snapshots/798/restore?server_id=12345", nil), "form.confirm")
	second.Del("safety") // a plain restore
	first.Set("confirm_name", "web-server-01")
	second.Set("confirm_name", "web-server-01")
	b.hx(http.MethodPost, "/snapshots/801/restore?server_id=12345", first)
	r := b.hx(http.MethodPost, "/snapshots/798/restore?server_id=12345", second)
	if r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find("dialog #confirm-error").Length() != 1 {
		t.Fatalf("second restore: %d", r.StatusCode)
	}
	card := r.Doc.Find(`#server-12345-live[hx-swap-oob]`)
	if card.Length() != 1 || card.Find(`[data-testid="server-status"]`).Text() != "restoring" {
		t.Errorf("the card behind the dialog was not refreshed to restoring")
	}
}

// A second snapshot of the same name is not made silently: the form warns,
// and the same name submitted again goes through.
func TestDuplicateNameWarnsThenCreates(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12345")
	form.Set("name", "pre-migration-snapshot")
	r := b.post("/snapshots", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("form.create .warning").Text(), "already has a snapshot named pre-migration-snapshot") {
		t.Fatalf("duplicate name: %d %q", r.StatusCode, r.Doc.Find("form.create").Text())
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Fatalf("the duplicate was sent to VPS.org (%d)", n)
	}
	again := b.post("/snapshots", formFields(r, "form.create"))
	if again.StatusCode != http.StatusSeeOther || ts.sim.Calls("POST /api/v1/snapshots/") != 1 {
		t.Errorf("after the warning the same name: %d, %d creates", again.StatusCode, ts.sim.Calls("POST /api/v1/snapshots/"))
	}
}

// Creating from the view of one server returns to that view without JavaScript.
func TestCreateFromFilteredViewReturnsThere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/?server_id=12348")
	link := page.Doc.Find(`#server-12348-new`).AttrOr("href", "")
	if !strings.Contains(link, "back=filtered") {
		t.Fatalf("create link from the filtered view: %q", link)
	}
	form := formFields(b.get(link), "form.create")
	form.Set("name", "from-filter")
	r := b.post("/snapshots", form)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/?server_id=12348") {
		t.Errorf("after create from the filtered view: %q", loc)
	}
	form = newForm(b, "12348")
	form.Set("name", "from-all")
	if loc := b.post("/snapshots", form).Header.Get("Location"); strings.Contains(loc, "server_id") {
		t.Errorf("after create from all servers: %q", loc)
	}
}

// Without JavaScript at most three messages show, the newest.
func TestAtMostThreeMessages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	var forms []url.Values
	for _, name := range []string{"m-one", "m-two", "m-three", "m-four"} {
		form := newForm(b, "12348")
		form.Set("name", name)
		forms = append(forms, form)
	}
	for _, form := range forms {
		b.post("/snapshots", form)
	}
	flashes := b.get("/").Doc.Find("#flashes .flash")
	if flashes.Length() != 3 || !strings.Contains(flashes.Last().Text(), "m-four") {
		t.Errorf("%d messages: %q", flashes.Length(), texts(flashes))
	}
}

// An action's outcome also shows on the card that changed.
func TestOutcomeShownOnTheCard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := formFields(b.hx(http.MethodGet, "/snapshots/new?server_id=12348", nil), "form.create")
	form.Set("name", "on-the-card")
	r := b.hx(http.MethodPost, "/snapshots", form)
	if got := r.Doc.Find("#server-12348-live .card-outcome").Text(); !strings.Contains(got, "on-the-card") {
		t.Errorf("card outcome %q", got)
	}
	// Said once to the eye: the message region only announces it.
	if top := r.Doc.Find(`[hx-swap-oob] .flash`); top.Length() != 1 || !top.HasClass("sr-only") {
		t.Errorf("the message is shown twice: at the top too (%d, class %q)", top.Length(), top.AttrOr("class", ""))
	}
	if r.Doc.Find(`#server-12348-live [autofocus]`).AttrOr("id", "") != r.Doc.Find("#server-12348-live tr.snapshot").First().AttrOr("id", "-") {
		t.Error("focus after create does not go to the new row")
	}
}

// robots.txt keeps crawlers out, without a sign-in.
func TestRobotsTxt(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r := ts.browser().get("/robots.txt")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Disallow: /") {
		t.Errorf("robots.txt: %d %q", r.StatusCode, r.Body)
	}
}

// A refresh of a card (a tab shown again) re-renders it whatever the poll
// state says, so an idle tab catches up with other tabs.
func TestFullRefreshOfACard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	refresh := b.get("/").Doc.Find("#server-12348-live").AttrOr("data-refresh", "")
	if refresh == "" {
		t.Fatal("no refresh address on the card")
	}
	other := ts.browser()
	other.signIn(simulator.DemoToken)
	form := newForm(other, "12348")
	form.Set("name", "elsewhere")
	other.post("/snapshots", form)
	r := b.hx(http.MethodGet, refresh, nil)
	if q := r.Doc.Find("#server-12348-live .quota").Text(); !strings.Contains(q, "1 / 5") {
		t.Errorf("refreshed quota %q, want 1 / 5", q)
	}
}
