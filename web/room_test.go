package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/marks"
	"github.com/snapdash/snapdash/internal/restores"
)

// At 5 of 5 a member of the delete group makes room and takes a new
// snapshot in one confirmation: the choice lists what may go, oldest first
// (never a pinned one), says it is deleted first and stays gone, and a job
// sends one DELETE, then one POST, in that order, then follows the new one;
// Activity shows it as one entry with its steps.
func TestNewSnapshotAtTheLimitMakesRoomFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, limitRoles)
	ctx := context.Background()
	if err := ts.db.Marks().Pin(ctx, marks.Pin{SnapshotID: 810, ServerID: 12347, Actor: "bob", Reason: "release", At: ts.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	ops := asIn("olga@example.com", "ops")
	o := signedInAs(t, ts, ops...)
	page := o.get("/", ops...)
	if page.Doc.Find(`#server-12347 a[href*="/snapshots/new"]`).Length() != 1 {
		t.Fatal("a member of the delete group is not offered New snapshot at 5 of 5")
	}
	form := o.get("/snapshots/new?server_id=12347", ops...)
	var offered []string
	form.Doc.Find(`input[name=delete_first]`).Each(func(_ int, s *goquery.Selection) { offered = append(offered, s.AttrOr("value", "")) })
	if strings.Join(offered, ",") != "811,812,813,814" {
		t.Errorf("offered %v, want the unpinned ones oldest first", offered)
	}
	if form.Doc.Find(`input[name=delete_first][checked]`).Length() != 0 {
		t.Error("a snapshot is chosen for the person")
	}
	if w := form.Doc.Find("fieldset.choice .warning").Text(); !strings.Contains(w, "deleted before the new one is taken, and it is gone even if the new one fails") {
		t.Errorf("the warning reads %q", w)
	}
	fields := formFields(form, "form.create")
	fields.Set("name", "before-release-2")
	ts.sim.ResetCalls()
	if r := o.post("/snapshots", fields, ops...); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose the snapshot to delete first") {
		t.Errorf("no choice made: %d", r.StatusCode)
	}
	fields.Set("delete_first", "811")
	if r := o.post("/snapshots", fields, ops...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("make room and create: %d %s", r.StatusCode, r.Body)
	}
	running, err := ts.db.Restores().Running(ctx, []int64{12347})
	if err != nil || len(running) != 1 || !running[0].Creates() {
		t.Fatalf("the job: %+v %v", running, err)
	}
	restoreOf(t, ts, running[0].ID, restores.StepSafety)
	ts.clock.Add(time.Minute) // the new snapshot completes
	end := restoreOf(t, ts, running[0].ID, restores.Done)
	if !strings.Contains(end.Detail, "release-1-5 was deleted to make room, then before-release-2 was taken") {
		t.Errorf("ended %q", end.Detail)
	}
	del, post := calls(ts, "DELETE /api/v1/snapshots/{id}/"), calls(ts, "POST /api/v1/snapshots/")
	if len(del) != 1 || len(post) != 1 || post[0].Before(del[0]) {
		t.Errorf("%d deletes and %d creates, the create first: %v", len(del), len(post), len(post) == 1 && len(del) == 1 && post[0].Before(del[0]))
	}
	act := o.get("/activity?server_id=12347", ops...)
	if steps := act.Doc.Find("tr.record ol").Text(); !strings.Contains(steps, "deleted release-1-5 to make room") || !strings.Contains(steps, "snapshot before-release-2 created") {
		t.Errorf("Activity's steps read %q", steps)
	}
}

// Someone outside the delete group sees why New snapshot is disabled at 5
// of 5, not an instruction to delete, and a forged choice is refused with
// 403 and nothing sent.
func TestNewSnapshotAtTheLimitNeedsTheDeleteRole(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, limitRoles)
	dev := asIn("dave@example.com", "dev")
	d := signedInAs(t, ts, dev...)
	page := d.get("/", dev...)
	if why := page.Doc.Find("#server-12347-full").Text(); !strings.Contains(why, "making room means deleting one: Deletes and unpins are limited to the ops or sre groups.") {
		t.Errorf("the disabled button says %q", why)
	}
	ts.sim.ResetCalls()
	r := d.post("/snapshots", url.Values{"server_id": {"12347"}, "name": {"forged"}, "form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}, "delete_first": {"811"}}, dev...)
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("a forged choice: %d", r.StatusCode)
	}
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
}
