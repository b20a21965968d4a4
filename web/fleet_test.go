package web_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

func priced(cfg *webConfig, _ *simOptions) {
	cfg.PricePerGBMonth, cfg.PriceCurrency, cfg.SnapshotMaxAge = 0.05, "EUR", 10*24*time.Hour
}

func fleetNames(r response) []string {
	var names []string
	r.Doc.Find("table.fleet tbody tr .snap-name").Each(func(_ int, s *goquery.Selection) { names = append(names, s.Text()) })
	return names
}

// The table of every snapshot sorts and filters by its address (shareable,
// without JavaScript), adds up the simulator's sizes and prices them, marks
// old snapshots, and costs the same two calls as the cards.
func TestFleetTableSortsFiltersAndAddsUp(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, priced)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.sim.ResetCalls()
	r := b.get("/fleet?sort=size&dir=desc")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("table: %d", r.StatusCode)
	}
	if n := ts.sim.TotalCalls(); n != 2 {
		t.Errorf("the table made %d calls, want 2 (the snapshots and the servers)", n)
	}
	names := fleetNames(r)
	if len(names) != 8 || names[0] != "before-postgres-16" || names[len(names)-1] != "release-1-4" {
		t.Errorf("by size, largest first: %v", names)
	}
	// The demo sizes: 5120+4856+20480+3072+3100+3150+3188+3201 MB = 45.1 GB;
	// at 0.05 a GB-month, 2.25.
	totals := strings.Join(strings.Fields(r.Doc.Find("[data-testid=fleet-totals]").Text()), " ")
	if totals != "8 snapshots 45.1 GB 2.25 EUR a month at 0.05 EUR per GB-month" {
		t.Errorf("totals read %q", totals)
	}
	if s := r.Doc.Find(`th[aria-sort=descending]`).Text(); !strings.Contains(s, "Size") {
		t.Errorf("the sorted column is %q", s)
	}
	if href := r.Doc.Find(`th[aria-sort=descending] a`).AttrOr("href", ""); href != "/fleet?sort=size" {
		t.Errorf("the sorted column's link is %q, want the other direction", href)
	}

	// The cards show each server's total too: 5120+4856 MB on web-server-01.
	if size := b.get("/").Doc.Find("#server-12345 [data-testid=server-size]").Text(); size != "9.7 GB" {
		t.Errorf("web-server-01's card says %q", size)
	}
	staging := b.get("/fleet?server_id=12347&sort=name")
	if got := strings.Join(fleetNames(staging), ","); got != "release-1-4,release-1-5,release-1-6,release-1-7,release-1-8" {
		t.Errorf("staging by name: %s", got)
	}
	// On the test's clock (2025-01-20) four demo snapshots are older than 10
	// days, the age limit set here: those, and only those, are marked.
	if old := b.get("/fleet?older_than=10d"); len(fleetNames(old)) != 4 || old.Doc.Find(".badge.old").Length() != 4 {
		t.Errorf("older than 10 days: %d rows, %d marked", len(fleetNames(old)), old.Doc.Find(".badge.old").Length())
	}
	if all := b.get("/fleet"); all.Doc.Find(".badge.old").Length() != 4 {
		t.Errorf("%d marked old in the whole table, want 4", all.Doc.Find(".badge.old").Length())
	}
	if none := b.get("/fleet?older_than=100000d"); len(fleetNames(none)) != 0 {
		t.Errorf("older than 100000 days: %v", fleetNames(none))
	}
	if failed := b.get("/fleet?status=failed"); len(fleetNames(failed)) != 0 || !strings.Contains(failed.Body, "No snapshot matches") {
		t.Error("the failed filter shows snapshots")
	}
	hostile := b.get("/fleet?sort=%3Cscript%3E&status=nope&older_than=-3d&page=x")
	if hostile.StatusCode != http.StatusOK || !strings.Contains(hostile.Doc.Find(".flash.info").Text(), "was not understood (sort, status, age, page)") {
		t.Errorf("a hostile address: %d %q", hostile.StatusCode, hostile.Doc.Find(".flash.info").Text())
	}
}

// A bulk delete: the "older than" shortcut selects the old snapshots, a
// pinned one cannot be selected (and is left out if forced in), the
// confirmation names exactly what goes and asks for the count, and the job
// deletes each once, with each outcome on the table and in Activity.
func TestBulkDelete(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, priced)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	dlg := b.get("/snapshots/798/marks?server_id=12345")
	pin := formFields(dlg, `form[action*="/marks"]`)
	pin.Set("reason", "keep")
	b.post("/snapshots/798/pin?server_id=12345", pin)

	table := b.get("/fleet?select=old")
	var checked []string
	table.Doc.Find(`input[name=snapshot][checked]`).Each(func(_ int, s *goquery.Selection) { checked = append(checked, s.AttrOr("value", "")) })
	if strings.Join(checked, ",") != "812,811,810" {
		t.Errorf("the old shortcut selected %v; want the three old ones not pinned", checked)
	}
	if table.Doc.Find(`#pick-798[disabled]`).Length() != 1 {
		t.Error("the pinned snapshot can be selected")
	}
	confirm := b.get("/fleet/delete?snapshot=810&snapshot=811&snapshot=812&snapshot=798")
	items := texts(confirm.Doc.Find(".bulk-item"))
	if strings.Join(items, "|") != "staging-01 / release-1-4|staging-01 / release-1-5|staging-01 / release-1-6" {
		t.Errorf("the confirmation names %q", items)
	}
	if !strings.Contains(confirm.Doc.Find("form.confirm ul").Text(), "snapshot 798: pinned") {
		t.Errorf("the pinned one is not said to be left out: %q", confirm.Doc.Find("form.confirm").Text())
	}
	form := formFields(confirm, "form.confirm")
	if got := form.Get("snapshots"); got != "810,811,812" {
		t.Errorf("the confirmation carries %q", got)
	}
	form.Set("confirm_count", "4")
	if r := b.post("/fleet/delete", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a wrong count: %d", r.StatusCode)
	}
	form.Set("confirm_count", "3")
	if r := b.post("/fleet/delete", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", r.StatusCode, r.Body)
	}
	if r := b.post("/fleet/delete", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the same form again: %d", r.StatusCode)
	}
	var status string
	if !wait.Within(30*time.Second, func() bool {
		status = b.get("/fleet").Doc.Find(".bulk [role=status]").Text()
		return status == "Bulk delete of 3 snapshots: 3 deleted."
	}) {
		t.Fatalf("the bulk delete says %q", status)
	}
	if n := ts.sim.Calls("DELETE /api/v1/snapshots/{id}/"); n != 3 {
		t.Errorf("%d deletes sent, want 3", n)
	}
	left := strings.Join(fleetNames(b.get("/fleet?server_id=12347&sort=name")), ",")
	if left != "release-1-7,release-1-8" {
		t.Errorf("staging keeps %s", left)
	}
	if n := strings.Count(b.get("/activity?action=delete").Body, "(in a bulk delete)"); n != 3 {
		t.Errorf("%d of the bulk's deletes in Activity, saying so, want 3", n)
	}
}

// Sorting and filtering a list loaded within the coalescing window makes no
// more calls to VPS.org.
func TestFleetResortsWithoutCalls(t *testing.T) {
	t.Parallel()
	ts := newSharedTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	ts.clock.Add(2 * time.Second) // past the window of the sign-in's own page
	ts.sim.ResetCalls()
	for _, q := range []string{"?sort=size", "?sort=name&dir=desc", "?status=completed", "?server_id=12347"} {
		if r := b.get("/fleet" + q); r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", q, r.StatusCode)
		}
	}
	if n := ts.sim.TotalCalls(); n != 2 {
		t.Errorf("four views of the table made %d calls, want the first one's 2", n)
	}
}

// "Your last bulk delete" is the session's own (its identity and token),
// not whoever's token ends with the same four characters, and it shows only
// items on servers the current token sees.
func TestLastBulkDeleteIsTheSessionsOwn(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	const (
		sameAccount  = "tk-same-account-9a1c-7f3e"
		otherAccount = "tk-other-account-0b2d-7f3e"
	)
	ts.sim.AddToken(sameAccount, simulator.DemoToken)
	ts.sim.AddAccount(otherAccount, simulator.ServerSeed{ID: 40002, Name: "elsewhere"})
	first := "tk-first-person-5e6f-7f3e"
	ts.sim.AddToken(first, simulator.DemoToken)
	a := ts.browser()
	a.signIn(first)
	confirm := a.get("/fleet/delete?snapshot=810")
	form := formFields(confirm, "form.confirm")
	form.Set("confirm_count", "1")
	if r := a.post("/fleet/delete", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk delete: %d", r.StatusCode)
	}
	if a.get("/fleet").Doc.Find(".bulk [role=status]").Length() == 0 {
		t.Fatal("the person who started the bulk delete does not see it")
	}
	for _, token := range []string{sameAccount, otherAccount} {
		b := ts.browser()
		b.signIn(token)
		if got := b.get("/fleet").Doc.Find(".bulk [role=status]").Text(); got != "" {
			t.Errorf("a session with another token ending alike (%s) sees %q", token[:12], got)
		}
	}
}

// The table says its order truly: newest first is Created, descending; and
// the first click on Size shows the largest first.
func TestFleetSortIsLabelledTruly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	page := b.get("/fleet")
	created := page.Doc.Find(`th[aria-sort]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.HasPrefix(strings.TrimSpace(s.Text()), "Created")
	})
	if got := created.AttrOr("aria-sort", ""); got != "descending" {
		t.Errorf("newest first reads Created %q", got)
	}
	size := page.Doc.Find(`th a[href*="sort=size"]`).AttrOr("href", "")
	if !strings.Contains(size, "dir=desc") {
		t.Errorf("the first click on Size goes to %q, not the largest first", size)
	}
	names := fleetNames(b.get(size))
	if len(names) == 0 || names[0] != "before-postgres-16" {
		t.Errorf("largest first reads %v", names)
	}
}

// The table says how many rows are ticked: none at first, and as many as
// a shortcut ticked.
func TestTheTableSaysHowManyAreTicked(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, priced)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	if got := b.get("/fleet").Doc.Find("#fleet-ticked").Text(); got != "None selected" {
		t.Errorf("at first the table says %q", got)
	}
	page := b.get("/fleet?select=old")
	ticked := page.Doc.Find(`input[name="snapshot"][checked]`).Length()
	if ticked < 2 {
		t.Fatalf("the shortcut ticked %d rows; the test needs more", ticked)
	}
	if got, want := page.Doc.Find("#fleet-ticked").Text(), strconv.Itoa(ticked)+" selected"; got != want {
		t.Errorf("with %d rows ticked the table says %q", ticked, got)
	}
}

// The table searches by a part of the name (any case, kept by the sort
// links), refuses a hostile search with a note, and each row's actions
// open their confirmation as a page that comes back to the table: a delete
// from there, without JavaScript, lands on the table with its message.
func TestFleetSearchAndRowActions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	r := b.get("/fleet?q=RELEASE-1")
	if got := fleetNames(r); len(got) != 5 || !strings.HasPrefix(got[0], "release-1-") {
		t.Errorf("searching RELEASE-1 lists %v", got)
	}
	if href := r.Doc.Find(`th a[href*="sort=size"]`).AttrOr("href", ""); !strings.Contains(href, "q=RELEASE-1") {
		t.Errorf("sorting drops the search: %q", href)
	}
	if v := r.Doc.Find("#fleet-name").AttrOr("value", ""); v != "RELEASE-1" {
		t.Errorf("the search field shows %q", v)
	}
	bad := b.get("/fleet?q=%00x")
	if bad.StatusCode != http.StatusOK || !strings.Contains(bad.Doc.Find(".flash.info").Text(), "name") || len(fleetNames(bad)) != 8 {
		t.Errorf("a hostile search: %d, note %q, %d rows", bad.StatusCode, bad.Doc.Find(".flash.info").Text(), len(fleetNames(bad)))
	}

	row := r.Doc.Find(`table.fleet tbody tr`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find(".snap-name").Text() == "release-1-4" })
	var hrefs []string
	row.Find("td.row-actions a").Each(func(_ int, s *goquery.Selection) { hrefs = append(hrefs, s.AttrOr("href", "")) })
	want := []string{"/snapshots/810/restore?server_id=12347&back=fleet", "/snapshots/810/marks?server_id=12347&back=fleet", "/snapshots/810/delete?server_id=12347&back=fleet"}
	if strings.Join(hrefs, " ") != strings.Join(want, " ") {
		t.Fatalf("the row's actions go to %v, want %v", hrefs, want)
	}
	page := b.get(want[2])
	if cancel := page.Doc.Find(`form.confirm a[data-dismiss]`).AttrOr("href", ""); cancel != "/fleet" {
		t.Errorf("Cancel goes to %q, want the table", cancel)
	}
	if page.Doc.Find("form.confirm[hx-post]").Length() != 0 {
		t.Error("the confirmation as a page posts through htmx, into a dialog that page does not have")
	}
	done := b.post(strings.TrimPrefix(page.Doc.Find("form.confirm").AttrOr("action", ""), ts.base), formFields(page, "form.confirm"))
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/fleet" {
		t.Fatalf("delete: %d to %q, want 303 to the table", done.StatusCode, done.Header.Get("Location"))
	}
	after := b.get("/fleet")
	if !strings.Contains(after.Doc.Find("#flashes").Text(), "release-1-4") || slices.Contains(fleetNames(after), "release-1-4") {
		t.Errorf("back on the table: message %q, rows %v", after.Doc.Find("#flashes").Text(), fleetNames(after))
	}
}
