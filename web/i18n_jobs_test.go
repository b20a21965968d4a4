package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// What jobs and refusals write in the record, with names in it, is said in
// Catalan where a Catalan reader meets it: a restore whose safety snapshot
// failed (the page and Activity) and a delete refused because of a pin.
func TestCatalanWhatJobsWrote(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	ts.sim.FailSnapshotsNamed("before-restore-")
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	check := func(what string, r response, want string) {
		t.Helper()
		if r.Doc == nil {
			t.Fatalf("%s: %d, nothing to read", what, r.StatusCode)
		}
		if words := untranslated(r); len(words) > 0 {
			t.Errorf("%s says English words %v", what, words)
		}
		if text := strings.Join(strings.Fields(r.Doc.Find("main").Text()), " "); !strings.Contains(text, want) {
			t.Errorf("%s does not say %q: %q", what, want, text)
		}
	}

	form := formFields(b.get("/snapshots/801/restore?server_id=12345"), "form.confirm")
	form.Set("confirm_name", "web-server-01")
	b.post("/snapshots/801/restore?server_id=12345", form)
	running, _ := ts.db.Restores().Running(context.Background(), []int64{12345})
	if len(running) != 1 {
		t.Fatal("no restore running")
	}
	restoreOf(t, ts, running[0].ID, restores.StepSafety)
	ts.clock.Add(15 * time.Second) // the simulator fails the safety snapshot after 10 s
	restoreOf(t, ts, running[0].ID, restores.Failed)
	check("the page after the safety snapshot failed", b.get("/"), "fallida")
	check("Activity after it", b.get("/activity"), "així que no s’ha restaurat res")

	dlg := b.get("/snapshots/798/marks?server_id=12345")
	pin := formFields(dlg, `form[action*="/marks"]`)
	pin.Set("reason", "imatge daurada")
	b.post("/snapshots/798/pin?server_id=12345", pin)
	b.post("/snapshots/798/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
	check("Activity after a refused delete", b.get("/activity"), "rebutjada per Snapdash: fixada per token")
}

// What a person changed, and an action VPS.org did not answer, read in
// Catalan on Activity: a schedule paused and resumed, a note removed, a
// delete whose answer was lost. Each was kept in English words.
func TestCatalanWhatPeopleChanged(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	if r := b.post("/schedules", scheduleForm(t, b, "12348")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	id := strings.TrimPrefix(b.get("/schedules").Doc.Find("section.schedule").AttrOr("id", ""), "schedule-")
	for _, what := range []string{"pause", "resume"} {
		page := b.get("/schedules")
		if r := b.post("/schedules/"+id+"/"+what, formFields(page, `form[action$="/`+what+`"]`)); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", what, r.StatusCode)
		}
	}
	for _, note := range []string{"fins al tercer trimestre", ""} {
		form := formFields(b.get("/snapshots/801/marks?server_id=12345"), `form[action*="/marks"]`)
		form.Set("note", note)
		if r := b.post("/snapshots/801/note?server_id=12345", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("note %q: %d", note, r.StatusCode)
		}
	}
	ts.sim.SetFault(simulator.Fault{Match: "DELETE /api/v1/snapshots/{id}/", Reset: true, Times: 1})
	b.post("/snapshots/798/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}})
	// What a schedule did on its own is automation's, in the reader's words.
	if _, err := ts.db.Activity().Add(context.Background(), activity.Record{Time: ts.clock.Now(), Actor: activity.Automation, Action: activity.Delete,
		ServerID: 12345, ServerName: "web-server-01", SnapshotID: 797, SnapshotName: "release-1-0", Outcome: activity.Refused}); err != nil {
		t.Fatal(err)
	}
	acts := b.get("/activity")
	if who := acts.Doc.Find(`#actor option[value="automation"]`).Text(); who != "automatització" {
		t.Errorf("the person filter names automation %q", who)
	}
	if csv := b.get("/activity.csv").Body; !strings.Contains(csv, ",automatització,") {
		t.Errorf("the CSV does not name automation in Catalan: %q", csv)
	}
	if words := untranslated(acts); len(words) > 0 {
		t.Errorf("Activity says English words %v", words)
	}
	text := strings.Join(strings.Fields(acts.Doc.Find("main").Text()), " ")
	for _, want := range []string{"posada en pausa", "represa", "ha suprimit la nota", "VPS.org no ha respost", "automatització"} {
		if !strings.Contains(text, want) {
			t.Errorf("Activity does not say %q: %q", want, text)
		}
	}
}
