package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// scheduleForm is the add form of the schedules page, filled for server.
func scheduleForm(t *testing.T, b *browser, server string) url.Values {
	t.Helper()
	page := b.get("/schedules")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("schedules page: %d", page.StatusCode)
	}
	form := formFields(page, "#schedule-form")
	form.Set("server_id", server)
	form.Set("every", "daily")
	return form
}

// A person schedules a server, sees it on the page and on the card, runs it
// now and sees the run's outcome; every change is in Activity, and the
// automation token shows nowhere.
func TestScheduleAServerAndRunItNow(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := scheduleForm(t, b, "12348")
	if form.Get("time") != "03:00" || form.Get("keep") != "3" || form.Get("skip_restoring") != "1" {
		t.Errorf("the form's defaults: %v", form)
	}
	form.Set("keep", "2")
	if r := b.post("/schedules", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.Doc.Find("#schedule-errors").Text())
	}
	page := b.get("/schedules")
	row := page.Doc.Find("section.schedule")
	if row.Length() != 1 || !strings.Contains(row.Find("h2").Text(), "build-runner-01") ||
		!strings.Contains(row.Find(`[data-testid="schedule-when"]`).Text(), "every day at 03:00 UTC, keeps its 2 newest, skips while the server restores") {
		t.Fatalf("the schedule's row: %q", row.Text())
	}
	if !strings.Contains(row.Text(), "2025-01-21 03:00") {
		t.Errorf("next run not shown: %q", row.Text())
	}
	if page.Doc.Find(`#schedule-server option[value="12348"]`).Length() != 0 {
		t.Error("a server with a schedule is offered a second one")
	}
	edit := b.get("/schedules?edit=" + strings.TrimPrefix(row.AttrOr("id", ""), "schedule-"))
	change := formFields(edit, "#schedule-form")
	if change.Get("keep") != "2" || change.Get("time") != "03:00" || edit.Doc.Find("#schedule-server").Length() != 0 {
		t.Errorf("the change form: %v", change)
	}
	change.Set("time", "04:30")
	if r := b.post(strings.TrimPrefix(edit.Doc.Find("#schedule-form").AttrOr("action", ""), ts.base), change); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.StatusCode, r.Doc.Find("#schedule-errors").Text())
	}
	page = b.get("/schedules")
	if when := page.Doc.Find(`[data-testid="schedule-when"]`).Text(); !strings.Contains(when, "every day at 04:30 UTC, keeps its 2 newest") {
		t.Errorf("after the change: %q", when)
	}
	card := b.get("/").Doc.Find(`#server-12348 [data-testid="card-schedule"]`)
	if !strings.Contains(card.Text(), "every day at 04:30 UTC") {
		t.Errorf("the card's schedule: %q", card.Text())
	}

	run := formFields(page, `form[action$="/run"]`)
	action, _ := page.Doc.Find(`form[action$="/run"]`).Attr("action")
	if r := b.post(strings.TrimPrefix(action, ts.base), run); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("run now: %d", r.StatusCode)
	}
	page = b.get("/schedules")
	if !strings.Contains(page.Doc.Find(`[data-testid="schedule-running"]`).Text(), "Running now") {
		t.Fatalf("no run shown under way: %q", page.Doc.Find("section.schedule").Text())
	}
	poll, _ := page.Doc.Find("#schedule-list").Attr("hx-get")
	if !strings.Contains(poll, "/poll/schedules?watch=") {
		t.Fatalf("the list does not refresh itself while the run is under way: %q", poll)
	}
	// Once the snapshot is asked for, the simulator completes it 10 s later.
	if !wait.Within(30*time.Second, func() bool {
		return strings.Contains(b.get("/schedules").Doc.Find(`[data-testid="schedule-running"]`).Text(), "waiting for")
	}) {
		t.Fatal("the run's snapshot was never asked for")
	}
	ts.clock.Add(15 * time.Second)
	var ended string
	wait.Within(30*time.Second, func() bool {
		r := b.hx("GET", strings.TrimPrefix(poll, ts.base), nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("poll: %d", r.StatusCode)
		}
		if ended = r.Doc.Find(`[hx-swap-oob] .flash`).Text(); ended == "" {
			return false
		}
		if _, polling := r.Doc.Find("#schedule-list").Attr("hx-trigger"); polling {
			t.Error("the list still polls after the run ended")
		}
		return true
	})
	if !strings.Contains(ended, "The scheduled snapshot of build-runner-01 completed: auto-build-runner-01-20250120-1200 completed") {
		t.Fatalf("the run's end announced as %q; the page: %q", ended, b.get("/schedules").Doc.Find("section.schedule").Text())
	}
	runs := texts(b.get("/schedules").Doc.Find("table.runs tbody tr"))
	if len(runs) != 1 || !strings.Contains(runs[0], "completed") || !strings.Contains(runs[0], "token") || !strings.Contains(runs[0], "(run now)") {
		t.Errorf("runs listed: %q", runs)
	}
	// The run's end is stored, and shown, a moment before it is counted.
	wants := []string{`snapdash_scheduled_runs_total{outcome="started"} 1`, `snapdash_scheduled_runs_total{outcome="completed"} 1`,
		`snapdash_scheduled_run_duration_seconds_count{outcome="completed"} 1`}
	var m string
	wait.Within(5*time.Second, func() bool {
		m = ts.scrapeMetrics().Body
		return !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(m, w) })
	})
	for _, want := range wants {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	acts := strings.Join(texts(b.get("/activity").Doc.Find("tr.record td.what")), "\n")
	for _, want := range []string{"schedule of build-runner-01 created: every day at 03:00 UTC", "schedule of build-runner-01 changed: every day at 04:30 UTC", "scheduled snapshot of build-runner-01 (run now"} {
		if !strings.Contains(acts, want) {
			t.Errorf("activity lacks %q:\n%s", want, acts)
		}
	}
}

// A refused form says what is wrong and keeps what was typed; nothing is saved.
func TestScheduleFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := scheduleForm(t, b, "12347")
	form.Set("keep", "5")
	form.Set("time", "25:61")
	form.Set("every", "hours")
	form.Set("hours", "6")
	r := b.post("/schedules", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad schedule: %d", r.StatusCode)
	}
	errs := r.Doc.Find("#schedule-errors").Text()
	if !strings.Contains(errs, "keep between 1 and 4") || !strings.Contains(errs, "HH:MM") {
		t.Errorf("errors: %q", errs)
	}
	if v, _ := r.Doc.Find("#schedule-time").Attr("value"); v != "25:61" {
		t.Errorf("the time typed is gone: %q", v)
	}
	if r.Doc.Find(`input[name="every"][value="hours"][checked]`).Length() != 1 || r.Doc.Find(`#schedule-server option[value="12347"][selected]`).Length() != 1 {
		t.Error("the choices made are gone")
	}
	if n := b.get("/schedules").Doc.Find("section.schedule").Length(); n != 0 {
		t.Errorf("%d schedules saved", n)
	}
}

// Without an automation token the page says what to configure, and nothing
// can be scheduled, even by a hand-made POST.
func TestSchedulesNeedAnAutomationToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/schedules")
	if !strings.Contains(page.Doc.Find(`[data-testid="no-automation"]`).Text(), "SNAPDASH_AUTOMATION_TOKEN_FILE") || page.Doc.Find("#schedule-form").Length() != 0 {
		t.Errorf("the page without a token: %q", page.Doc.Find("main").Text())
	}
	r := b.post("/schedules", url.Values{"server_id": {"12348"}, "every": {"daily"}, "time": {"03:00"}, "keep": {"2"}, "hours": {"6"}, "weekday": {"0"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "No automation token is configured") {
		t.Errorf("a hand-made schedule: %d %q", r.StatusCode, r.Doc.Find("main").Text())
	}
}

// With SNAPDASH_SCHEDULE_GROUPS, others see no controls and a reason, and a
// forged POST is refused (403) and recorded.
func TestScheduleGroupsLimitChanges(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, func(cfg *webConfig, _ *simOptions) {
		cfg.ScheduleGroups = []string{"ops"}
	})
	ops := asIn("olga@example.com", "ops")
	o := signedInAs(t, ts, ops...)
	page := o.get("/schedules", ops...)
	form := formFields(page, "#schedule-form")
	form.Set("server_id", "12345")
	if r := o.post("/schedules", form, ops...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a member schedules: %d", r.StatusCode)
	}

	dev := asIn("dave@example.com", "dev")
	d := signedInAs(t, ts, dev...)
	page = d.get("/schedules", dev...)
	if page.Doc.Find("#schedule-form").Length() != 0 || page.Doc.Find(`form[action$="/run"]`).Length() != 0 || !strings.Contains(page.Doc.Find("p.reason").Text(), "Schedules are limited to the ops group.") {
		t.Errorf("a non-member's page: %q", page.Doc.Find("main").Text())
	}
	id, _ := strings.CutPrefix(page.Doc.Find("section.schedule").AttrOr("id", ""), "schedule-")
	ts.sim.ResetCalls()
	for _, path := range []string{"/schedules/" + id + "/run", "/schedules/" + id + "/delete", "/schedules"} {
		if r := d.post(path, url.Values{"server_id": {"12346"}, "every": {"daily"}, "time": {"01:00"}, "keep": {"1"}}, dev...); r.StatusCode != http.StatusForbidden {
			t.Errorf("a forged POST %s: %d", path, r.StatusCode)
		}
	}
	// Recording each refusal reads the servers (whose is it?); nothing else is asked.
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
	if n := d.get("/schedules", dev...).Doc.Find("section.schedule").Length(); n != 1 {
		t.Errorf("%d schedules after the forged POSTs", n)
	}
	refusals := 0
	for _, row := range texts(o.get("/activity?server_id=12345", ops...).Doc.Find("tr.record")) {
		if strings.Contains(row, "dave@example.com") && strings.Contains(row, "refused by Snapdash: Schedules are limited to the ops group.") {
			refusals++
		}
	}
	if refusals != 2 {
		t.Errorf("%d of the refusals about web-server-01's schedule are on its Activity, want 2 (run, delete)", refusals)
	}
}

// A database that cannot answer for the schedules gives a clear message,
// keeps the form and what was typed in it, and saves nothing.
func TestSchedulesWhenTheDatabaseFails(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := scheduleForm(t, b, "12348")
	db, err := sql.Open("sqlite", store.SQLiteDSN(ts.db.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("ALTER TABLE schedules RENAME TO schedules_away"); err != nil {
		t.Fatal(err)
	}
	page := b.get("/schedules")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Doc.Find(`[data-testid="schedules-unavailable"]`).Text(), "cannot be read right now") ||
		page.Doc.Find(`#schedule-server option[value="12347"]`).Length() != 1 {
		t.Errorf("the page with the schedules unreadable: %d %q", page.StatusCode, page.Doc.Find("main").Text())
	}
	form.Set("time", "05:45")
	r := b.post("/schedules", form)
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Doc.Find("#schedule-errors").Text(), "nothing was saved") ||
		r.Doc.Find("#schedule-time").AttrOr("value", "") != "05:45" {
		t.Errorf("saving with the schedules unwritable: %d %q", r.StatusCode, r.Doc.Find("#schedule-errors").Text())
	}
	if _, err := db.Exec("ALTER TABLE schedules_away RENAME TO schedules"); err != nil {
		t.Fatal(err)
	}
	if r := b.post("/schedules", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("saving once the database answers: %d", r.StatusCode)
	}
	b.stillSignedIn("after the database failed")
}

// Pause and resume: a paused schedule shows no next run and is not due;
// resumed, it runs from its next time. A schedule Snapdash paused because
// VPS.org refused the automation token says so on the page until resumed.
// A second "Run now" while a run is under way starts nothing more.
func TestPauseResumeAndRunNowTwice(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	if r := b.post("/schedules", scheduleForm(t, b, "12348")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	page := b.get("/schedules")
	id := strings.TrimPrefix(page.Doc.Find("section.schedule").AttrOr("id", ""), "schedule-")
	act := func(what string) {
		t.Helper()
		page := b.get("/schedules")
		if r := b.post("/schedules/"+id+"/"+what, formFields(page, `form[action$="/`+what+`"]`)); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", what, r.StatusCode)
		}
	}
	act("pause")
	row := b.get("/schedules").Doc.Find("section.schedule")
	if !strings.Contains(row.Find(".badge").Text(), "Paused") || strings.Contains(row.Text(), "Next run") || row.Find(`form[action$="/resume"]`).Length() != 1 {
		t.Errorf("the paused row: %q", row.Text())
	}
	if due, _ := ts.db.Schedules().Due(context.Background(), ts.clock.Now().AddDate(0, 0, 7)); len(due) != 0 {
		t.Errorf("a paused schedule is due: %+v", due)
	}
	act("resume")
	row = b.get("/schedules").Doc.Find("section.schedule")
	if row.Find(".badge").Length() != 0 || !strings.Contains(row.Text(), "Next run 2025-01-21 03:00") {
		t.Errorf("the resumed row: %q", row.Text())
	}

	if _, err := ts.db.Schedules().PauseAll(context.Background(), "VPS.org refused the automation token (401)."); err != nil {
		t.Fatal(err)
	}
	if got := b.get("/schedules").Doc.Find(`[data-testid="schedules-refused"]`).Text(); !strings.Contains(got, "refused the automation token") {
		t.Errorf("the reason Snapdash paused the schedules: %q", got)
	}
	act("resume")
	if n := b.get("/schedules").Doc.Find(`[data-testid="schedules-refused"]`).Length(); n != 0 {
		t.Error("the reason stays after the schedule was resumed")
	}

	act("run")
	run := formFields(page, `form[action$="/run"]`)                                     // the form as it was, before the run started
	if r := b.post("/schedules/"+id+"/run", run); r.StatusCode != http.StatusSeeOther { // a double click
		t.Fatalf("run now again: %d", r.StatusCode)
	}
	ts.clock.Add(2 * time.Second)
	if r := b.post("/schedules/"+id+"/run", run); r.StatusCode != http.StatusSeeOther { // later, while it runs
		t.Fatalf("run now a third time: %d", r.StatusCode)
	}
	if got := b.get("/schedules").Doc.Find("#flashes .flash").Last().Text(); !strings.Contains(got, "under way already") {
		t.Errorf("run now while a run is under way: %q", got)
	}
	if n := b.get("/schedules").Doc.Find("table.runs tbody tr").Length(); n != 1 {
		t.Errorf("%d runs after three clicks, want 1", n)
	}
	acts := strings.Join(texts(b.get("/activity").Doc.Find("tr.record td.what")), "\n")
	for _, want := range []string{"schedule of build-runner-01 paused", "schedule of build-runner-01 resumed"} {
		if !strings.Contains(acts, want) {
			t.Errorf("activity lacks %q", want)
		}
	}
}

// Saving a schedule on a server without a free slot for each snapshot it
// keeps warns first, keeping what was typed; the person keeps fewer or
// saves it anyway. Deleting a schedule asks first, saying its snapshots
// stay, with focus on Cancel.
func TestScheduleWarnsBeforeItHappens(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := scheduleForm(t, b, "12347") // staging-01 holds 5 of 5
	form.Set("keep", "3")
	form.Set("time", "04:30")
	r := b.post("/schedules", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#schedule-room").Text(), "there is no free slot for it") {
		t.Fatalf("a schedule on a full server: %d %q", r.StatusCode, r.Doc.Find("#schedule-room").Text())
	}
	if v := r.Doc.Find("#schedule-time").AttrOr("value", ""); v != "04:30" || r.Doc.Find(`#schedule-keep option[value="3"][selected]`).Length() != 1 {
		t.Errorf("what was typed is gone: time %q", v)
	}
	if n := b.get("/schedules").Doc.Find("section.schedule").Length(); n != 0 {
		t.Fatalf("%d schedules saved before the person confirmed", n)
	}
	web := scheduleForm(t, b, "12345") // web-server-01: 2 of 5, room for 3
	web.Set("keep", "4")
	if r := b.post("/schedules", web); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#schedule-room").Text(), "has room for 3 of this schedule's snapshots, and it keeps 4") {
		t.Errorf("keep 4 with room for 3: %d %q", r.StatusCode, r.Doc.Find("#schedule-room").Text())
	}
	web.Set("keep", "3")
	if r := b.post("/schedules", web); r.StatusCode != http.StatusSeeOther {
		t.Errorf("keep 3 with room for 3: %d", r.StatusCode)
	}
	confirmed := formFields(r, "#schedule-form")
	confirmed.Set("confirm_room", "1")
	if r := b.post("/schedules", confirmed); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("saved anyway: %d", r.StatusCode)
	}
	page := b.get("/schedules")
	if n := page.Doc.Find("section.schedule").Length(); n != 2 {
		t.Fatalf("%d schedules, want 2", n)
	}
	id := strings.TrimPrefix(page.Doc.Find("section.schedule").First().AttrOr("id", ""), "schedule-")
	ask := b.post("/schedules/"+id+"/delete", formFields(page, `form[action$="/`+id+`/delete"]`))
	if ask.StatusCode != http.StatusOK || !strings.Contains(ask.Doc.Find("main").Text(), "The snapshots it made stay, as ordinary snapshots") ||
		ask.Doc.Find("a.button[autofocus]").Text() != "Cancel" {
		t.Fatalf("deleting asks first: %d %q", ask.StatusCode, ask.Doc.Find("main").Text())
	}
	if n := b.get("/schedules").Doc.Find("section.schedule").Length(); n != 2 {
		t.Errorf("the question deleted a schedule: %d left", n)
	}
	if r := b.post("/schedules/"+id+"/delete", formFields(ask, "main form")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed delete: %d", r.StatusCode)
	}
	if n := b.get("/schedules").Doc.Find("section.schedule").Length(); n != 1 {
		t.Errorf("%d schedules after the confirmed delete, want 1", n)
	}
}

// A schedule that paused itself says why in red on the Schedules page (and
// in its notice) and on the server's card.
func TestScheduleAlertShowsInRed(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	if r := b.post("/schedules", scheduleForm(t, b, "12348")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(b.get("/schedules").Doc.Find("section.schedule").AttrOr("id", ""), "schedule-"), 10, 64)
	const why = "Its last 3 runs failed, so Snapdash paused it. The last said: auto-x failed. Resume it once that is fixed."
	if set, err := ts.db.Schedules().Alert(context.Background(), id, why, true); err != nil || !set {
		t.Fatalf("alert: %v %v", set, err)
	}
	page := b.get("/schedules")
	if got := page.Doc.Find(`section.schedule p.error[data-testid="schedule-alert"]`).Text(); got != why {
		t.Errorf("the row says %q", got)
	}
	if got := page.Doc.Find(`[data-testid="schedules-refused"]`).Text(); !strings.Contains(got, "build-runner-01's schedule: "+why) {
		t.Errorf("the notice says %q", got)
	}
	if got := b.get("/").Doc.Find(`#server-12348 p.error[data-testid="card-schedule-alert"]`).Text(); got != why {
		t.Errorf("the card says %q", got)
	}
}
