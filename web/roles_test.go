package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// asIn sends requests as the SSO proxy forwards them for who, in groups.
func asIn(who, groups string) []string {
	return []string{"X-Forwarded-Email", who, "X-Forwarded-Groups", groups}
}

func limitRoles(cfg *webConfig, _ *simOptions) {
	cfg.RestoreGroups, cfg.DeleteGroups = []string{"ops"}, []string{"ops", "sre"}
}

func signedInAs(t *testing.T, ts *testServer, who ...string) *browser {
	t.Helper()
	b := ts.browser()
	b.get("/signin", who...)
	if r := b.post("/signin", url.Values{"token": {simulator.DemoToken}}, who...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	return b
}

// A member of the restore group restores; someone else sees no Restore, a
// reason instead, and a hand-made restore or delete is refused (403) with
// no call to VPS.org, and recorded.
func TestRolesLimitRestoreAndDelete(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback, limitRoles)
	dev := asIn("dave@example.com", "dev")
	b := signedInAs(t, ts, dev...)
	page := b.get("/", dev...)
	if page.Doc.Find(`#server-12345 a[href*="/restore"]`).Length() != 0 || page.Doc.Find(`#server-12345 a[href*="/delete"]`).Length() != 0 {
		t.Error("a member of no allowed group sees Restore or Delete")
	}
	if why := page.Doc.Find("#roles-notice").Text(); !strings.Contains(why, "Restores are limited to the ops group.") ||
		!strings.Contains(why, "Deletes and unpins are limited to the ops or sre groups.") {
		t.Errorf("the reason reads %q", why)
	}
	if n := strings.Count(page.Body, "Restores are limited to the ops group."); n != 1 {
		t.Errorf("the roles' notice is said %d times on the page, want once", n)
	}
	if g := page.Doc.Find("header .who").Text(); !strings.Contains(g, "dev") {
		t.Errorf("the header does not show the groups: %q", g)
	}
	ts.sim.ResetCalls()
	for _, path := range []string{"/snapshots/801/restore?server_id=12345", "/snapshots/798/delete?server_id=12345"} {
		if r := b.get(path, dev...); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s: %d", path, r.StatusCode)
		}
		r := b.post(path, url.Values{"confirm_name": {"web-server-01"}, "form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}}, dev...)
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "limited to the") {
			t.Errorf("POST %s: %d", path, r.StatusCode)
		}
	}
	// Recording a refusal reads the servers (whose is it?); nothing else is asked.
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org for refused actions", n)
	}
	if !strings.Contains(b.get("/activity", dev...).Body, "refused by Snapdash: Restores are limited to the ops group.") {
		t.Error("the refusal is not recorded")
	}

	ops := asIn("olga@example.com", "ops,dev")
	o := signedInAs(t, ts, ops...)
	form := formFields(o.get("/snapshots/801/restore?server_id=12345", ops...), "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "web-server-01")
	if r := o.post("/snapshots/801/restore?server_id=12345", form, ops...); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a member of ops restores: %d", r.StatusCode)
	}
	// The groups are bound to the session: a change ends it.
	if r := o.get("/", asIn("olga@example.com", "dev")...); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/signin") {
		t.Errorf("after the groups changed: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

// Roles apply to bulk deletes: no boxes for those outside the delete
// groups, and a hand-made bulk delete is refused with nothing sent.
func TestRolesLimitBulkDelete(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, limitRoles)
	dev := asIn("dave@example.com", "dev")
	b := signedInAs(t, ts, dev...)
	if page := b.get("/fleet", dev...); page.Doc.Find(`input[name=snapshot]`).Length() != 0 || !strings.Contains(page.Doc.Find(".reason").Text(), "Deletes and unpins are limited") {
		t.Error("a person outside the delete groups can select snapshots")
	}
	ts.sim.ResetCalls()
	if r := b.get("/fleet/delete?snapshot=810", dev...); r.StatusCode != http.StatusForbidden {
		t.Errorf("the confirmation: %d", r.StatusCode)
	}
	if r := b.post("/fleet/delete", url.Values{"snapshots": {"810"}, "confirm_count": {"1"}, "form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}}, dev...); r.StatusCode != http.StatusForbidden {
		t.Errorf("a hand-made bulk delete: %d", r.StatusCode)
	}
	if n := ts.sim.TotalCalls(); n != 0 {
		t.Errorf("%d calls reached VPS.org", n)
	}
}

// The restore dialog's "delete X first to make room" is a delete: it is not
// offered to people outside the delete groups, and a forged free_slot is
// refused with 403 before anything is sent, and recorded.
func TestMakingRoomForASafetySnapshotNeedsTheDeleteRole(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, func(cfg *webConfig, _ *simOptions) {
		cfg.RestoreGroups, cfg.DeleteGroups = []string{"ops"}, []string{"admins"}
	})
	ops := asIn("olga@example.com", "ops")
	o := signedInAs(t, ts, ops...)
	// staging-01 holds 5 of 5.
	const path = "/snapshots/810/restore?server_id=12347"
	dlg := o.get(path, ops...)
	if n := dlg.Doc.Find(`input[name=free_slot]:not([value=none])`).Length(); n != 0 {
		t.Errorf("a person who may not delete is offered %d snapshots to delete first", n)
	}
	if hint := dlg.Doc.Find("#free-slot-hint").Text(); !strings.Contains(hint, "Deletes and unpins are limited to the admins group.") {
		t.Errorf("the dialog does not say why no snapshot is offered: %q", hint)
	}
	form := formFields(dlg, "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "staging-01")
	form.Set("free_slot", "811")
	ts.sim.ResetCalls()
	if r := o.post(path, form, ops...); r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "limited to the admins group") {
		t.Errorf("a forged free_slot: %d", r.StatusCode)
	}
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
	if !slices.ContainsFunc(ts.sim.Snapshots(simulator.DemoToken), func(s simulator.SnapshotState) bool { return s.ID == 811 }) {
		t.Error("the snapshot named in the forged free_slot is gone")
	}
	if !strings.Contains(o.get("/activity?server_id=12347", ops...).Body, "refused by Snapdash: Deletes and unpins are limited to the admins group.") {
		t.Error("the refusal is not recorded on the server")
	}
	admin := asIn("ada@example.com", "ops,admins")
	a := signedInAs(t, ts, admin...)
	if n := a.get(path, admin...).Doc.Find(`input[name=free_slot]:not([value=none])`).Length(); n == 0 {
		t.Error("a member of both groups is offered nothing to delete first")
	}
}

// A refused action that names another account's server is not written into
// that account's Activity, nor its Person filter.
func TestRefusalOnAnotherAccountsServerIsNotRecordedThere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, trustLoopback, limitRoles)
	const other = "tk-other-account-5d1e"
	ts.sim.AddAccount(other, simulator.ServerSeed{ID: 40001, Name: "their-server",
		Snapshots: []simulator.SnapshotSeed{{ID: 94001, Name: "their-snapshot", SizeMB: 10}}})
	dev := asIn("mallory@example.com", "dev")
	m := signedInAs(t, ts, dev...)
	ts.sim.ResetCalls()
	for _, path := range []string{"/snapshots/94001/restore?server_id=40001", "/snapshots/94001/delete?server_id=40001"} {
		if r := m.post(path, url.Values{"confirm_name": {"their-server"}, "form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}}, dev...); r.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s: %d", path, r.StatusCode)
		}
	}
	// The same refusal on the person's own server is recorded there.
	if r := m.post("/snapshots/801/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}}, dev...); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST on their own server: %d", r.StatusCode)
	}
	if n := ts.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
	owner := asIn("tom@example.com", "ops")
	o := ts.browser()
	o.get("/signin", owner...)
	if r := o.post("/signin", url.Values{"token": {other}}, owner...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	page := o.get("/activity", owner...)
	if strings.Contains(page.Body, "mallory@example.com") || strings.Contains(page.Body, "refused by Snapdash") {
		t.Error("another account's refusal shows in this account's Activity or its Person filter")
	}
	if !strings.Contains(m.get("/activity?server_id=12345", dev...).Body, "refused by Snapdash: Deletes and unpins") {
		t.Error("a refusal on the person's own server is not recorded there")
	}
}

// A session ended because the proxy named other groups ends as a sign-out
// does: its restore stops before anything more is sent, its token is
// erased, and the record says why.
func TestChangedGroupsStopTheSessionsJobs(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, trustLoopback, limitRoles)
	ops := asIn("olga@example.com", "ops")
	o := signedInAs(t, ts, ops...)
	form := formFields(o.get("/snapshots/801/restore?server_id=12345", ops...), "form.confirm")
	form.Del("safety") // a plain restore
	form.Set("confirm_name", "web-server-01")
	if r := o.post("/snapshots/801/restore?server_id=12345", form, ops...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore with a safety snapshot: %d", r.StatusCode)
	}
	// The safety snapshot is under way (the test's clock stands still).
	if r := o.get("/", asIn("olga@example.com", "dev")...); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the groups changed: %d", r.StatusCode)
	}
	recs, err := ts.db.Activity().Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(recs, func(r activity.Record) bool { return r.Action == activity.Restore })
	if i < 0 || recs[i].Final != activity.IdentityChanged {
		t.Fatalf("the restore's record: %+v", recs)
	}
	// The token is gone at once; the restore stops (at once, or after the
	// call it had on its way, at its next step) and sends nothing more.
	wait.Until(t, 30*time.Second, func() bool {
		running, err := ts.db.Restores().Running(context.Background(), []int64{12345})
		return err == nil && len(running) == 0
	})
	db, err := sql.Open("sqlite", store.SQLiteDSN(ts.db.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tokens int
	if err := db.QueryRow("SELECT COUNT(*) FROM job_tokens").Scan(&tokens); err != nil || tokens != 0 {
		t.Errorf("%d job tokens kept after the session ended (%v)", tokens, err)
	}
}
