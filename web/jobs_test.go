package web_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// activityRow waits for the activity page's row about snapshot name to show
// a final outcome, and returns its Outcome cell's words.
func activityRow(t *testing.T, b *browser, name string, want string) string {
	t.Helper()
	var cell string
	wait.Within(30*time.Second, func() bool {
		b.get("/activity").Doc.Find("tr.record").Each(func(_ int, row *goquery.Selection) {
			if strings.Contains(row.Find("td.what").Text(), name) {
				cell = strings.Join(strings.Fields(row.Find(`td[data-label="Outcome"]`).Text()), " ")
			}
		})
		return strings.Contains(cell, want)
	})
	return cell
}

// A create is followed to its end by a job, with no page open: the activity
// page and its CSV then say it completed and how long it took.
func TestFollowedCreateShowsItsOutcome(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "followed-one")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	if cell := activityRow(t, b, "followed-one", "started"); cell != "started" {
		t.Errorf("before the snapshot completes the outcome reads %q", cell)
	}
	ts.clock.Add(15 * time.Second) // the simulator completes it after 10 s
	if cell := activityRow(t, b, "followed-one", "completed"); cell != "completed in 15 s" {
		t.Errorf("after it completed the outcome reads %q", cell)
	}
	rows, err := csv.NewReader(strings.NewReader(b.get("/activity.csv").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0][9:], "|"); got != "final outcome|final detail|duration (s)" {
		t.Fatalf("CSV header ends %q", got)
	}
	if got := strings.Join(rows[1][9:], "|"); got != "completed||15" {
		t.Errorf("CSV row ends %q", got)
	}
}

// Signing out stops the jobs following the person's actions, and the page
// after it says how many; the activity record says why they stopped.
func TestSignOutStopsJobsAndSaysHowMany(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	for _, name := range []string{"first-followed", "second-followed"} {
		form := newForm(b, "12348")
		form.Set("name", name)
		if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", r.StatusCode)
		}
	}
	b.get("/")
	// Sign-out names what is under way first, with stopping it chosen.
	ask := b.post("/signout", nil)
	if ask.StatusCode != http.StatusOK || ask.Doc.Find("ul.underway li").Length() != 2 ||
		!strings.Contains(ask.Doc.Find("ul.underway").Text(), "snapshot first-followed of build-runner-01") ||
		ask.Doc.Find(`input[name=jobs][value=stop][checked]`).Length() != 1 {
		t.Fatalf("sign-out with jobs under way: %d %q", ask.StatusCode, ask.Doc.Find("main").Text())
	}
	b.stillSignedIn("the sign-out's question")
	r := b.post("/signout", formFields(ask, `form[action$="/signout"]`))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.StatusCode)
	}
	page := b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL))
	notice := strings.Join(strings.Fields(page.Doc.Find(".flash, [role=status]").Text()), " ")
	if !strings.Contains(notice, "You are signed out.") || !strings.Contains(notice, "2 jobs following your actions were stopped") {
		t.Errorf("the page after sign-out says %q", notice)
	}
	b.signIn(simulator.DemoToken)
	ts.clock.Add(15 * time.Second)
	for _, name := range []string{"first-followed", "second-followed"} {
		if cell := activityRow(t, b, name, "stopped"); cell != "stopped: signed out" {
			t.Errorf("%s: the outcome reads %q", name, cell)
		}
	}
	// The count comes from the address: only a small number is believed.
	for _, q := range []string{"reason=signed-out&stopped=%3Cb%3E9%3C/b%3E", "reason=signed-out&stopped=100000", "reason=signed-out&stopped=-1", "reason=refused&stopped=3"} {
		page := ts.browser().get("/signin?" + q)
		if strings.Contains(page.Body, "were stopped") || strings.Contains(page.Body, "<b>9") {
			t.Errorf("/signin?%s says a count", q)
		}
	}
}

// When VPS.org refuses the token, the session ends and so do its jobs, at
// once, recorded as "token refused".
func TestRefusedTokenEndsItsJobs(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "refused-later")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	ts.sim.RevokeToken(simulator.DemoToken)
	if r := b.get("/"); !strings.Contains(r.Header.Get("Location"), "reason=refused") {
		t.Fatalf("after the refusal: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	recs, err := ts.db.Activity().Recent(context.Background(), 1)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	// Ended by the sign-out the refusal caused (no detail), or by the job
	// when its own look met the refusal first (River starts its looks when
	// it can, here as the page loads): either way "token refused", with
	// VPS.org's refusal as the only other detail.
	if recs[0].Final != "token refused" || (recs[0].FinalDetail != "" && recs[0].FinalDetail != "VPS.org refused the token during the job") {
		t.Errorf("the job's record: %q (%q)", recs[0].Final, recs[0].FinalDetail)
	}
}

// Signing out, a person may let their jobs finish: the token is kept,
// sealed, until each ends and erased then; the choice is recorded, and the
// job's outcome is what it saw, not "stopped".
func TestSignOutLettingJobsFinish(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	form := newForm(b, "12348")
	form.Set("name", "left-running")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	ask := b.post("/signout", nil)
	choice := formFields(ask, `form[action$="/signout"]`)
	choice.Set("jobs", "finish")
	r := b.post("/signout", choice)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.StatusCode)
	}
	page := b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL))
	if notice := strings.Join(strings.Fields(page.Doc.Find("[role=status]").Text()), " "); !strings.Contains(notice, "1 job of yours goes on until it ends") {
		t.Errorf("the page after sign-out says %q", notice)
	}
	if ts.sessions() != 0 {
		t.Error("the session was kept")
	}
	ts.clock.Add(15 * time.Second) // the snapshot completes
	b.signIn(simulator.DemoToken)
	if cell := activityRow(t, b, "left-running", "completed"); !strings.Contains(cell, "completed") {
		t.Fatalf("the job let finish after the sign-out ended %q", cell)
	}
	if !strings.Contains(b.get("/activity").Body, "signed out and let the snapshot left-running of build-runner-01") {
		t.Error("the choice is not recorded")
	}
	waitForNoJobTokens(t, ts)
}

// waitForNoJobTokens waits until no job holds a sealed token any more.
func waitForNoJobTokens(t *testing.T, ts *testServer) {
	t.Helper()
	db, err := sql.Open("sqlite", store.SQLiteDSN(ts.db.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if !wait.Within(30*time.Second, func() bool {
		if err := db.QueryRow("SELECT COUNT(*) FROM job_tokens").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	}) {
		t.Fatalf("%d job tokens kept after their jobs ended", n)
	}
}

// The choice to let jobs finish is recorded in the words of whoever reads
// Activity, not of whoever signed out: a Catalan person's choice reads in
// English to an English reader, and in Catalan to a Catalan one.
func TestLetFinishReadsInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	form := newForm(b, "12348")
	form.Set("name", "nit-7")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", r.StatusCode)
	}
	choice := formFields(b.post("/signout", nil), `form[action$="/signout"]`)
	choice.Set("jobs", "finish")
	if r := b.post("/signout", choice); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.StatusCode)
	}
	en := ts.browser()
	en.signIn(simulator.DemoToken)
	if got := en.get("/activity?action=").Body; !strings.Contains(got, "signed out and let the snapshot nit-7 of build-runner-01, followed until it completes finish") {
		t.Errorf("in English, Activity says %q", strings.Join(strings.Fields(en.get("/activity").Doc.Find("td.what").Text()), " "))
	}
	en.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	if words := untranslated(en.get("/activity")); len(words) > 0 {
		t.Errorf("in Catalan, Activity says English words %v", words)
	}
}
