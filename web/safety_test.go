package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// restoreOf waits for the server's newest restore to reach want (a step
// while running, else a state).
func restoreOf(t *testing.T, ts *testServer, id int64, want string) restores.Restore {
	t.Helper()
	var r restores.Restore
	if !wait.Within(30*time.Second, func() bool {
		var err error
		if r, err = ts.db.Restores().Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return (r.State == restores.Running && r.Step == want) || r.State == want
	}) {
		t.Fatalf("restore %d never reached %q: %+v", id, want, r)
	}
	return r
}

func calls(ts *testServer, key string) []time.Time {
	var at []time.Time
	for _, r := range ts.sim.Requests() {
		if r.Key == key {
			at = append(at, r.Time)
		}
	}
	return at
}

// Without JavaScript: the dialog offers the safety snapshot, checked; the
// card shows the job's step and who started it; the restore is sent only
// once the safety snapshot completed; the activity record shows it all.
func TestSafetyRestoreWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/801/restore?server_id=12345")
	box := page.Doc.Find(`input#safety[type=checkbox]`)
	if box.Length() != 1 || box.AttrOr("checked", "no") == "no" {
		t.Fatal("the dialog does not offer the safety snapshot, checked")
	}
	if hint := page.Doc.Find("#safety-hint").Text(); !strings.Contains(hint, "before-restore-20250120-1200") {
		t.Errorf("the safety snapshot's name is not given: %q", hint)
	}
	form := formFields(page, "form.confirm")
	form.Set("confirm_name", "web-server-01")
	r := b.post("/snapshots/801/restore?server_id=12345", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d\n%s", r.StatusCode, r.Body)
	}
	home := b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL))
	if flash := home.Doc.Find(".flash").Text(); !strings.Contains(flash, "the restore is sent only once it is complete") {
		t.Errorf("the message after confirming: %q", flash)
	}
	running, _ := ts.db.Restores().Running(context.Background(), []int64{12345})
	if len(running) != 1 {
		t.Fatal("no restore running")
	}
	job := restoreOf(t, ts, running[0].ID, restores.StepSafety)
	home = b.get("/")
	// Neither the snapshot restored from nor the safety snapshot can be
	// deleted while the restore runs: no control, and a hand-made POST is refused.
	for _, id := range []string{"801", strconv.FormatInt(job.SafetyID, 10)} {
		if home.Doc.Find("button[disabled]#snapshot-"+id+"-delete").Length() != 1 {
			t.Errorf("snapshot %s has an enabled Delete during the restore", id)
		}
		r := b.post("/snapshots/"+id+"/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
		if r.StatusCode != http.StatusConflict {
			t.Errorf("delete of snapshot %s during the restore: %d, want 409", id, r.StatusCode)
		}
	}
	if n := len(calls(ts, "DELETE /api/v1/snapshots/{id}/")); n != 0 {
		t.Errorf("%d deletes reached VPS.org", n)
	}
	note := strings.Join(strings.Fields(home.Doc.Find("#server-12345-restoring").Text()), " ")
	if !strings.Contains(note, "Safety snapshot before-restore-20250120-1200 in progress, then restore from pre-migration-snapshot") ||
		!strings.Contains(note, "Started by token") {
		t.Errorf("the card says %q", note)
	}
	if home.Doc.Find(`#server-12345-restoring form button`).Length() != 1 {
		t.Error("no way to cancel on the card")
	}
	if n := len(calls(ts, "POST /api/v1/snapshots/{id}/restore/")); n != 0 {
		t.Fatalf("%d restores sent before the safety snapshot completed", n)
	}

	poll := home.Doc.Find("#server-12345 .poller").AttrOr("hx-get", "")
	ts.clock.Add(11 * time.Second) // the simulator completes the safety snapshot after 10 s
	restoreOf(t, ts, running[0].ID, restores.StepRestoring)
	// The card's next poll says the server restores, and offers no new
	// snapshot (VPS.org would refuse it).
	card := b.hx(http.MethodGet, strings.TrimPrefix(poll, ts.base), nil)
	if st := card.Doc.Find(`[data-testid="server-status"]`).Text(); st != "restoring" || card.Doc.Find("#server-12345-new").Length() != 0 {
		t.Errorf("during the restore step the card says %q, new snapshot offered: %v", st, card.Doc.Find("#server-12345-new").Length() != 0)
	}
	// Once the job has looked at the server, the card's polls are answered
	// from what it saw: they cost VPS.org nothing.
	ts.clock.Add(3 * time.Second)
	wait.Until(t, 10*time.Second, func() bool {
		w, ok, _ := ts.db.ServerViews().Get(context.Background(), 12345)
		return ok && w.Status == "restoring" && !w.ReadAt.Before(ts.clock.Now().Add(-time.Second))
	})
	if next := card.Doc.Find(".poller").AttrOr("hx-get", ""); next != "" {
		poll = next
	}
	before := len(ts.sim.Requests())
	for range 3 {
		if r := b.hx(http.MethodGet, strings.TrimPrefix(poll, ts.base), nil); r.StatusCode >= 300 {
			t.Fatalf("poll: %d", r.StatusCode)
		}
	}
	if n := len(ts.sim.Requests()) - before; n != 0 {
		t.Errorf("three polls of the restoring card cost %d calls to VPS.org", n)
	}
	creates, sent := calls(ts, "POST /api/v1/snapshots/"), calls(ts, "POST /api/v1/snapshots/{id}/restore/")
	if len(creates) != 1 || len(sent) != 1 || sent[0].Sub(creates[0]) < 10*time.Second {
		t.Fatalf("creates %v, restores %v: the restore must follow the completed safety snapshot", creates, sent)
	}
	ts.clock.Add(18 * time.Second) // and the restore after 20 s (3 s passed above)
	end := restoreOf(t, ts, running[0].ID, restores.Done)
	if end.SafetyID == 0 {
		t.Errorf("ended %+v", end)
	}
	if cell := activityRow(t, b, "pre-migration-snapshot", "completed"); !strings.HasPrefix(cell, "completed in 32 s") {
		t.Errorf("the activity record's outcome reads %q", cell)
	}
	steps := texts(b.get("/activity").Doc.Find("tr.record ol.steps li"))
	want := []string{"safety snapshot before-restore-20250120-1200 created in 11 s", "restore sent by token …2025", "server running again after 21 s"}
	if strings.Join(steps, "|") != strings.Join(want, "|") {
		t.Errorf("the record's steps: %q, want %q", steps, want)
	}
}

// At 5 of 5: the dialog offers the snapshots that may be deleted (never the
// one being restored) and a restore without a safety snapshot, none chosen;
// confirming without a choice changes nothing.
func TestSafetyRestoreAtTheLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/814/restore?server_id=12347")
	if page.Doc.Find(`input#safety`).Length() != 0 {
		t.Error("a safety box is offered with no room for it")
	}
	var offered []string
	page.Doc.Find(`input[name=free_slot]`).Each(func(_ int, s *goquery.Selection) {
		offered = append(offered, s.AttrOr("value", ""))
		if _, on := s.Attr("checked"); on {
			t.Errorf("%s is chosen for the person", s.AttrOr("value", ""))
		}
	})
	if strings.Join(offered, ",") != "813,812,811,810,none" {
		t.Errorf("offered %v; want the others, newest first, and none", offered)
	}
	form := formFields(page, "form.confirm")
	form.Set("confirm_name", "staging-01")
	r := b.post("/snapshots/814/restore?server_id=12347", form)
	if r.Doc == nil {
		t.Fatalf("confirming without a choice: %d %s", r.StatusCode, r.Body)
	}
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#confirm-error").Text(), "choose a snapshot to delete first") {
		t.Fatalf("confirming without a choice: %d %q", r.StatusCode, r.Doc.Find("#confirm-error").Text())
	}
	// What is wrong is marked: the missing choice, not the name typed right.
	if r.Doc.Find(`#confirm-name[aria-invalid]`).Length() != 0 || r.Doc.Find(`fieldset.choice[aria-invalid="true"]`).Length() != 1 {
		t.Error("without a choice, the typed name is marked invalid and the choice is not")
	}
	form.Set("free_slot", "814")
	if r := b.post("/snapshots/814/restore?server_id=12347", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("choosing to delete the snapshot being restored: %d", r.StatusCode)
	}
	if n := len(calls(ts, "DELETE /api/v1/snapshots/{id}/")); n != 0 {
		t.Fatalf("%d deletes before a valid confirmation", n)
	}
	form.Set("free_slot", "810")
	if r := b.post("/snapshots/814/restore?server_id=12347", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirming with a choice: %d\n%s", r.StatusCode, r.Body)
	}
	running, _ := ts.db.Restores().Running(context.Background(), []int64{12347})
	if len(running) != 1 || running[0].DeleteName != "release-1-4" {
		t.Fatalf("running %+v", running)
	}
	restoreOf(t, ts, running[0].ID, restores.StepSafety)
	if n := len(calls(ts, "DELETE /api/v1/snapshots/{id}/")); n != 1 {
		t.Errorf("%d deletes", n)
	}
}

// Cancelled from the card while the safety snapshot is taken: no restore
// is sent, and a poll that saw the job end says so.
func TestCancelRestoreFromTheCard(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := formFields(b.get("/snapshots/801/restore?server_id=12345"), "form.confirm")
	form.Set("confirm_name", "web-server-01")
	b.post("/snapshots/801/restore?server_id=12345", form)
	running, _ := ts.db.Restores().Running(context.Background(), []int64{12345})
	if len(running) != 1 {
		t.Fatal("no restore running")
	}
	id := running[0].ID
	restoreOf(t, ts, id, restores.StepSafety)
	home := b.get("/")
	poll := home.Doc.Find("#server-12345-poller").AttrOr("hx-get", "")
	cancel := home.Doc.Find("#server-12345-restoring form")
	action, _ := cancel.Attr("action")
	if r := b.post(strings.TrimPrefix(action, ts.base), url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
	}
	end := restoreOf(t, ts, id, restores.Cancelled)
	ts.clock.Add(15 * time.Second) // the safety snapshot completes
	// The job has ended and erased its token: nothing more can be sent.
	waitForNoJobTokens(t, ts)
	if n := len(calls(ts, "POST /api/v1/snapshots/{id}/restore/")); n != 0 {
		t.Errorf("%d restores sent after the cancel", n)
	}
	if !strings.Contains(end.Detail, "cancelled before the restore was sent") {
		t.Errorf("ended %+v", end)
	}
	p := b.hx("GET", strings.TrimPrefix(poll, ts.base), nil)
	if msg := p.Doc.Find(".flash").Text(); !strings.Contains(msg, "Restore of web-server-01 from pre-migration-snapshot cancelled before the restore was sent") {
		t.Errorf("the poll after the job ended says %q", msg)
	}
	if r := b.post(strings.TrimPrefix(action, ts.base), url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a second cancel: %d", r.StatusCode)
	}
}

// The restore dialog does not contradict itself: with a safety snapshot on
// offer, it does not say the restore cannot be undone.
func TestRestoreDialogSaysWhatUndoesIt(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	text := strings.Join(strings.Fields(b.get("/snapshots/801/restore?server_id=12345").Doc.Find("form.confirm p.warning").First().Text()), " ")
	if strings.Contains(text, "This cannot be undone.") || !strings.Contains(text, "Without a safety snapshot, this cannot be undone.") {
		t.Errorf("the warning reads %q", text)
	}
}

// The answer to Cancel says "Cancelling" once on the card, and not the
// step the restore was at (it said "cancelled" above "Safety snapshot … in
// progress, then restore").
func TestCancelAnswerDoesNotContradictTheCard(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := formFields(b.get("/snapshots/801/restore?server_id=12345"), "form.confirm")
	form.Set("confirm_name", "web-server-01")
	b.post("/snapshots/801/restore?server_id=12345", form)
	running, _ := ts.db.Restores().Running(context.Background(), []int64{12345})
	if len(running) != 1 {
		t.Fatal("no restore running")
	}
	restoreOf(t, ts, running[0].ID, restores.StepSafety)
	action := b.get("/").Doc.Find("#server-12345-restoring form").AttrOr("action", "")
	r := b.hx(http.MethodPost, strings.TrimPrefix(action, ts.base), url.Values{})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d", r.StatusCode)
	}
	card := r.Doc.Find("#server-12345-live").Text()
	if n := strings.Count(card, "Cancelling the restore of web-server-01"); n != 1 {
		t.Errorf("the card says Cancelling %d times: %q", n, card)
	}
	if strings.Contains(card, "in progress, then restore") || strings.Contains(card, "is cancelled") {
		t.Errorf("the card contradicts itself: %q", card)
	}
	restoreOf(t, ts, running[0].ID, restores.Cancelled)
}
