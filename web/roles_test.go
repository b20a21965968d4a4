package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

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
	ts := newTestServer(t, trustLoopback, limitRoles)
	dev := asIn("dave@example.com", "dev")
	b := signedInAs(t, ts, dev...)
	page := b.get("/", dev...)
	if page.Doc.Find(`#server-12345 a[href*="/restore"]`).Length() != 0 || page.Doc.Find(`#server-12345 a[href*="/delete"]`).Length() != 0 {
		t.Error("a member of no allowed group sees Restore or Delete")
	}
	if why := page.Doc.Find("#server-12345-roles").Text(); !strings.Contains(why, "Restores are limited to the ops group.") ||
		!strings.Contains(why, "Deletes and unpins are limited to the ops or sre groups.") {
		t.Errorf("the reason reads %q", why)
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
	if n := ts.sim.TotalCalls(); n != 0 {
		t.Errorf("%d calls reached VPS.org for refused actions", n)
	}
	if !strings.Contains(b.get("/activity", dev...).Body, "refused by Snapdash: Restores are limited to the ops group.") {
		t.Error("the refusal is not recorded")
	}

	ops := asIn("olga@example.com", "ops,dev")
	o := signedInAs(t, ts, ops...)
	form := formFields(o.get("/snapshots/801/restore?server_id=12345", ops...), "form.confirm")
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
