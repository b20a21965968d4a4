package web_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func countOn(ts *testServer, serverID int64) int {
	n := 0
	for _, s := range ts.sim.Snapshots(simulator.DemoToken) {
		if s.ServerID == serverID {
			n++
		}
	}
	return n
}

// newForm opens the create form without JavaScript and returns its fields.
func newForm(b *browser, serverID string) url.Values {
	b.ts.t.Helper()
	r := b.get(b.ts.base + "/snapshots/new?server_id=" + serverID)
	if r.StatusCode != http.StatusOK {
		b.ts.t.Fatalf("create form: status %d", r.StatusCode)
	}
	return formFields(r, "form.create")
}

func TestCreateWithoutJavaScript(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "before-upgrade")
	form.Set("description", "Before the kernel upgrade")
	r := b.post("/snapshots", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d:\n%s", r.StatusCode, r.Body)
	}
	if n := countOn(ts, 12348); n != 1 {
		t.Fatalf("%d snapshots on build-runner-01, want 1", n)
	}
	page := b.follow("/")
	row := page.Doc.Find("#server-12348 tr.snapshot")
	if row.Find("td.name .snap-name").Text() != "before-upgrade" || row.Find(".badge").Text() != "in progress" {
		t.Errorf("new row: %q %q", row.Find("td.name .snap-name").Text(), row.Find(".badge").Text())
	}
	flash := page.Doc.Find("#flashes").Text()
	if !strings.Contains(flash, "before-upgrade") || !strings.Contains(flash, "3-10 minutes") {
		t.Errorf("flash %q: want what started and the upstream's estimate", flash)
	}
}

func TestCreateFormWarnsForRunningServerOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	if w := b.get("/snapshots/new?server_id=12345").Doc.Find(".warning").Text(); !strings.Contains(w, "inconsistent") {
		t.Errorf("running server: warning %q", w)
	}
	if n := b.get("/snapshots/new?server_id=12346").Doc.Find(".warning").Length(); n != 0 {
		t.Error("stopped server: warning shown")
	}
}

func TestDoubleSubmitCreatesOneSnapshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "once")
	first := b.post("/snapshots", form)
	second := b.post("/snapshots", form)
	if first.StatusCode != http.StatusSeeOther || second.StatusCode != http.StatusSeeOther {
		t.Fatalf("answers %d and %d", first.StatusCode, second.StatusCode)
	}
	if n := countOn(ts, 12348); n != 1 {
		t.Errorf("two submits of one form made %d snapshots, want 1", n)
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d create calls upstream, want 1", n)
	}
}

func TestConcurrentDoubleClickCreatesOneSnapshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(_ *webConfig, o *simOptions) { o.Latency = 50 * time.Millisecond })
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "clicked-twice")
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = b.hx(http.MethodPost, "/snapshots", form).StatusCode
		}()
	}
	wg.Wait()
	if n := countOn(ts, 12348); n != 1 {
		t.Errorf("4 simultaneous submits made %d snapshots (answers %v), want 1", n, codes)
	}
}

func TestBadNameKeepsInputAndCallsNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	ts.sim.ResetCalls()
	form.Set("name", "my snapshot!")
	form.Set("description", "keep me")
	r := b.post("/snapshots", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", r.StatusCode)
	}
	if v := r.Doc.Find(`input[name="name"]`).AttrOr("value", ""); v != "my snapshot!" {
		t.Errorf("name kept as %q", v)
	}
	if v := r.Doc.Find(`textarea[name="description"]`).Text(); v != "keep me" {
		t.Errorf("description kept as %q", v)
	}
	if e := r.Doc.Find(".field .error").Text(); !strings.Contains(e, "letters, digits, hyphens") {
		t.Errorf("rule explained as %q", e)
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 0 {
		t.Errorf("a bad name reached the upstream (%d calls)", n)
	}
	if n := countOn(ts, 12348); n != 0 {
		t.Errorf("%d snapshots created from a bad name", n)
	}
}

func TestUpstreamRefusalsShownInForm(t *testing.T) {
	t.Parallel()
	// Only admins may delete, so nothing is offered to make room: the
	// create goes to VPS.org, which refuses it.
	ts := newTestServer(t, func(cfg *webConfig, _ *simOptions) { cfg.DeleteGroups = []string{"admins"} })
	b := ts.browser()
	b.signIn(simulator.DemoToken)

	form := newForm(b, "12347") // staging-01 is at 5/5
	if b.get("/snapshots/new?server_id=12347").Doc.Find(".flash.error").Length() == 0 {
		t.Error("the create form for a full server does not say it is full")
	}
	form.Set("name", "sixth")
	r := b.post("/snapshots", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(".flash.error").Text(), "Snapshot limit reached") {
		t.Errorf("sixth snapshot: %d %q", r.StatusCode, r.Doc.Find(".flash.error").Text())
	}
	if v := r.Doc.Find(`input[name="name"]`).AttrOr("value", ""); v != "sixth" {
		t.Errorf("name kept as %q", v)
	}

	form = newForm(b, "12348")
	form.Set("server_id", "99999")
	form.Set("name", "ghost")
	r = b.post("/snapshots", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(".flash.error").Text(), "no server 99999") {
		t.Errorf("unknown server: %d %q", r.StatusCode, r.Doc.Find(".flash.error").Text())
	}
}

func TestCreateWithHtmxSwapsTheCard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	frag := b.hx(http.MethodGet, "/snapshots/new?server_id=12348", nil)
	if frag.Doc.Find("html > body > form.create").Length() != 1 || frag.Doc.Find("header").Length() != 0 {
		t.Fatalf("htmx create form is not a bare fragment:\n%s", frag.Body)
	}
	form := formFields(frag, "form.create")
	form.Set("name", "via-htmx")
	r := b.hx(http.MethodPost, "/snapshots", form)
	if r.StatusCode != http.StatusOK || r.Header.Get("HX-Retarget") != "#server-12348-live" {
		t.Fatalf("status %d, retarget %q", r.StatusCode, r.Header.Get("HX-Retarget"))
	}
	live := r.Doc.Find("#server-12348-live")
	if live.Find("tr.snapshot .badge").Text() != "in progress" {
		t.Error("the new snapshot is not shown at once as in progress")
	}
	if _, ok := live.Find(".poller").Attr("hx-trigger"); !ok {
		t.Error("the card does not start polling")
	}
	if !strings.Contains(r.Doc.Find(`[hx-swap-oob="beforeend:#flashes"]`).Text(), "via-htmx") {
		t.Error("no flash message with the htmx answer")
	}
	if r.Doc.Find(`#server-12348-form[hx-swap-oob]`).Length() != 1 {
		t.Error("the form is not cleared")
	}
	bad := formFields(b.hx(http.MethodGet, "/snapshots/new?server_id=12348", nil), "form.create")
	bad.Set("name", "no good")
	if r := b.hx(http.MethodPost, "/snapshots", bad); r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find("form.create .error").Length() == 0 {
		t.Errorf("htmx bad name: %d", r.StatusCode)
	}
}

func TestRestoreNeedsTypedNameAndHappensOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/801/restore?server_id=12345")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("confirmation: %d", page.StatusCode)
	}
	text := page.Doc.Find("form.confirm").Text()
	for _, want := range []string{"web-server-01", "pre-migration-snapshot", "stopped", "overwritten"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation does not say %q", want)
		}
	}
	form := formFields(page, "form.confirm")
	form.Del("safety") // a plain restore
	action := page.Doc.Find("form.confirm").AttrOr("action", "")

	form.Set("confirm_name", "web-server-02")
	r := b.post(action, form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#confirm-error").Text(), "does not match") {
		t.Errorf("wrong name: %d %q", r.StatusCode, r.Doc.Find("#confirm-error").Text())
	}
	if st := ts.sim.ServerStatus(12345); st != "running" {
		t.Fatalf("a wrong name restored the server (status %s)", st)
	}

	form.Set("confirm_name", "web-server-01")
	if r := b.post(action, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d\n%s", r.StatusCode, r.Body)
	}
	if r := b.post(action, form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("repeated submit: %d", r.StatusCode)
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/{id}/restore/"); n != 1 {
		t.Errorf("%d restore calls upstream for one confirmation, want 1", n)
	}
	home := b.follow("/")
	if s := home.Doc.Find(`#server-12345 [data-testid="server-status"]`).Text(); s != "restoring" {
		t.Errorf("server shows %q after the restore started", s)
	}
	if !strings.Contains(home.Doc.Find("#flashes").Text(), "5-15 minutes") {
		t.Error("no flash with the upstream's estimate")
	}

	// A second restore while restoring: refused by VPS.org, said in the form.
	again := formFields(b.get("/snapshots/798/restore?server_id=12345"), "form.confirm")
	again.Del("safety") // a plain restore
	again.Set("confirm_name", "web-server-01")
	r = b.post("/snapshots/798/restore?server_id=12345", again)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find("#confirm-error").Text(), "not in a valid state") {
		t.Errorf("restore while restoring: %d %q", r.StatusCode, r.Doc.Find("#confirm-error").Text())
	}

	ts.clock.Add(21 * time.Second)
	if s := b.get("/").Doc.Find(`#server-12345 [data-testid="server-status"]`).Text(); s != "running" {
		t.Errorf("after the restore: %q", s)
	}
}

func TestDeleteWithConfirmation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/798/delete?server_id=12345")
	if !strings.Contains(page.Doc.Find("form.confirm #confirm-title").Text(), "weekly-snapshot-2025-01-08") {
		t.Errorf("confirmation names %q", page.Doc.Find("form.confirm #confirm-title").Text())
	}
	r := b.post(page.Doc.Find("form.confirm").AttrOr("action", ""), formFields(page, "form.confirm"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if countOn(ts, 12345) != 1 {
		t.Error("snapshot still upstream")
	}
	home := b.follow("/")
	if home.Doc.Find("#snapshot-798").Length() != 0 {
		t.Error("the row is still on the page")
	}
	if !strings.Contains(home.Doc.Find("#flashes").Text(), "deleted") {
		t.Error("no flash")
	}
	// The same confirmation again: no second DELETE, a clear note.
	r = b.post("/snapshots/798/delete?server_id=12345", formFields(page, "form.confirm"))
	if r.StatusCode != http.StatusSeeOther || ts.sim.Calls("DELETE /api/v1/snapshots/{id}/") != 1 {
		t.Errorf("repeat: %d, %d DELETE calls", r.StatusCode, ts.sim.Calls("DELETE /api/v1/snapshots/{id}/"))
	}
}

// A delete VPS.org did not answer says the outcome is unknown, and the log
// says why, as for a create or a restore.
func TestDeleteWithoutAnswer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/snapshots/798/delete?server_id=12345")
	ts.sim.SetFault(simulator.Fault{Match: "DELETE", Status: 503})
	r := b.post(page.Doc.Find("form.confirm").AttrOr("action", ""), formFields(page, "form.confirm"))
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.Doc.Find("form.confirm").Text(), "not known whether the snapshot was deleted") {
		t.Errorf("delete without an answer: %d, %q", r.StatusCode, strings.Join(strings.Fields(r.Doc.Find("form.confirm").Text()), " "))
	}
	if logs := ts.logs.String(); !strings.Contains(logs, `"msg":"delete failed","snapshot_id":798`) {
		t.Error("the log does not say why the delete failed")
	}
}

func TestDeleteWithHtmx(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.hx(http.MethodGet, "/snapshots/801/delete?server_id=12345", nil)
	if dlg.Doc.Find("dialog[data-modal] form.confirm").Length() != 1 {
		t.Fatalf("no dialog:\n%s", dlg.Body)
	}
	r := b.hx(http.MethodDelete, "/snapshots/801?server_id=12345&form_id="+formFields(dlg, "form.confirm").Get("form_id"), nil)
	if r.StatusCode != http.StatusOK || r.Doc.Find("#snapshot-801").Length() != 0 || r.Doc.Find("#server-12345-live").Length() != 1 {
		t.Errorf("status %d; row still there: %v", r.StatusCode, r.Doc.Find("#snapshot-801").Length() != 0)
	}
	if r.Doc.Find(`#dialog[hx-swap-oob]`).Length() != 1 {
		t.Error("dialog not closed")
	}
}

func TestStateChangesNeedCSRFAndPOST(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "forged")
	ts.sim.ResetCalls()
	for _, tok := range []string{"", "wrong-token"} {
		form.Set("_csrf", tok)
		if r := b.post("/snapshots", form); r.StatusCode != http.StatusForbidden {
			t.Errorf("csrf %q: status %d, want 403", tok, r.StatusCode)
		}
	}
	form.Set("_csrf", b.csrf)
	if r := b.post("/snapshots", form, "Sec-Fetch-Site", "cross-site"); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", r.StatusCode)
	}
	for _, path := range []string{"/snapshots/801/restore?server_id=12345&confirm_name=web-server-01", "/snapshots/801/delete?server_id=12345"} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, nil)
		if r := b.do(req); r.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without token: %d", path, r.StatusCode)
		}
	}
	if r := b.get("/snapshots?server_id=12348&name=x"); r.StatusCode != http.StatusMethodNotAllowed && r.StatusCode != http.StatusNotFound {
		t.Errorf("GET /snapshots: %d", r.StatusCode)
	}
	if n := ts.sim.TotalCalls(); n != 0 {
		t.Errorf("refused requests still reached the upstream (%d calls)", n)
	}
}

// A message queued for the next page (after a form posted without
// JavaScript) is not taken by an htmx fragment, which has nowhere to show it.
func TestQueuedMessageWaitsForAWholePage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "queued-message")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	if r := b.hx(http.MethodGet, "/snapshots/798/delete?server_id=12345", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("delete dialog: %d", r.StatusCode)
	}
	if msg := b.get("/").Doc.Find("#flashes").Text(); !strings.Contains(msg, "queued-message") {
		t.Errorf("the next page says %q, want the create's message", msg)
	}
}

// The first of two identical creates is cancelled by its browser while VPS.org
// is still answering: the create runs to its end, the survivor gets its
// outcome (started), keeps its form, and the record says it started.
func TestCancelledFirstSubmitDoesNotDecideTheSecond(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "cancelled-first")
	ts.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Delay: 800 * time.Millisecond})

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		form := maps.Clone(form)
		form.Set("_csrf", b.csrf)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/snapshots", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", b.csrf)
		resp, err := b.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	time.Sleep(200 * time.Millisecond)
	cancel() // the first browser tab is closed
	if err := <-first; err == nil {
		t.Fatal("the first request was not cancelled")
	}
	second := b.hx(http.MethodPost, "/snapshots", form)
	if second.StatusCode != http.StatusOK {
		t.Fatalf("the survivor answered %d: %s", second.StatusCode, second.Doc.Find(".form-error, [role=alert]").Text())
	}
	if strings.Contains(second.Body, "not known") {
		t.Error("the survivor was told it is not known whether the snapshot started")
	}
	if n := ts.sim.Calls("POST /api/v1/snapshots/"); n != 1 {
		t.Errorf("%d create calls upstream, want 1", n)
	}
	if n := countOn(ts, 12348); n != 1 {
		t.Errorf("%d snapshots made, want 1", n)
	}
	acts := b.get("/activity").Doc.Find("tbody tr").First().Text()
	if !strings.Contains(acts, "cancelled-first") || strings.Contains(strings.ToLower(acts), "unknown") {
		t.Errorf("activity: %q, want the create recorded as started", acts)
	}
}
