package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// record adds n records to the test server's activity record directly.
func (ts *testServer) record(t *testing.T, recs ...activity.Record) {
	t.Helper()
	for _, r := range recs {
		if r.Time.IsZero() {
			r.Time = ts.clock.Now()
		}
		if _, err := ts.db.Activity().Add(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// The record can be narrowed by server, person and action from the address,
// and each row names the server and the snapshot.
func TestActivityFiltersAndWording(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.record(t,
		activity.Record{Actor: "alice@example.com", Action: activity.Restore, ServerID: 12345, ServerName: "web-server-01", SnapshotID: 801, SnapshotName: "pre-migration-snapshot", Outcome: activity.Started},
		activity.Record{Actor: "bob@example.com", Action: activity.Create, ServerID: 12348, ServerName: "build-runner-01", SnapshotID: 990, SnapshotName: "nightly", Outcome: activity.Started},
		activity.Record{Actor: "bob@example.com", Action: activity.Delete, ServerID: 12345, ServerName: "web-server-01", SnapshotID: 798, SnapshotName: "weekly", Outcome: activity.Started},
		activity.Record{Actor: "mallory@example.com", Action: activity.Delete, ServerID: 99999, ServerName: "not-yours", SnapshotName: "x", Outcome: activity.Started},
	)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	all := b.get("/activity")
	if n := all.Doc.Find("tr.record").Length(); n != 3 {
		t.Fatalf("%d records shown, want the 3 on this token's servers", n)
	}
	if w := all.Doc.Find("tr.record .what").Last().Text(); !strings.Contains(w, "restored web-server-01 from pre-migration-snapshot") {
		t.Errorf("restore reads %q", w)
	}
	if opts := texts(all.Doc.Find("#actor option")); strings.Contains(strings.Join(opts, ","), "mallory") || len(opts) != 3 {
		t.Errorf("person filter offers %v", opts)
	}
	for query, want := range map[string]int{
		"?actor=bob%40example.com": 2, "?action=delete": 1, "?server_id=12345": 2,
		"?server_id=12345&actor=bob%40example.com&action=delete": 1, "?action=nonsense": 3, "?actor=nobody": 0,
	} {
		r := b.get("/activity" + query)
		if n := r.Doc.Find("tr.record").Length(); n != want {
			t.Errorf("%s: %d records, want %d", query, n, want)
		}
	}
	if r := b.get("/activity?action=delete&actor=bob%40example.com"); r.Doc.Find(`#action option[selected]`).AttrOr("value", "") != "delete" ||
		r.Doc.Find(`#actor option[selected]`).AttrOr("value", "") != "bob@example.com" {
		t.Error("the filter does not show what the address asks for")
	}
}

// Fifty records a page, with links to older and newer pages keeping the filter.
func TestActivityPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	start := ts.clock.Now()
	for i := range 60 {
		ts.record(t, activity.Record{Time: start.Add(time.Duration(i) * time.Minute), Actor: "carol", Action: activity.Create,
			ServerID: 12348, ServerName: "build-runner-01", SnapshotName: fmt.Sprintf("s-%02d", i), Outcome: activity.Started})
	}
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	first := b.get("/activity?actor=carol")
	if n := first.Doc.Find("tr.record").Length(); n != 50 {
		t.Errorf("first page: %d records, want 50", n)
	}
	older := first.Doc.Find(`a[rel="next"]`).AttrOr("href", "")
	if !strings.Contains(older, "page=2") || !strings.Contains(older, "actor=carol") {
		t.Fatalf("link to older records: %q", older)
	}
	second := b.get(older)
	if n := second.Doc.Find("tr.record").Length(); n != 10 || second.Doc.Find(`a[rel="next"]`).Length() != 0 {
		t.Errorf("second page: %d records", n)
	}
	if !strings.Contains(second.Doc.Find("tr.record").Last().Text(), "s-00") {
		t.Error("the oldest record is not on the last page")
	}
	if second.Doc.Find(`a[rel="prev"]`).Length() != 1 {
		t.Error("no link back to newer records")
	}
	if r := b.get("/activity?page=-3"); r.StatusCode != http.StatusOK || r.Doc.Find("tr.record").Length() != 50 {
		t.Errorf("a nonsense page number: %d", r.StatusCode)
	}
}

// The CSV export has the filtered records, and no cell a spreadsheet would
// run as a formula.
func TestActivityCSV(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.record(t,
		activity.Record{Actor: "=HYPERLINK(\"https://evil.example\")", Action: activity.Create, ServerID: 12348, ServerName: "build-runner-01", SnapshotName: "ok", Outcome: activity.Refused, Detail: "+1 cmd"},
		activity.Record{Actor: "@sum", Action: activity.Delete, ServerID: 12345, ServerName: "web-server-01", SnapshotName: "w", Outcome: activity.Started, Detail: "-2"},
	)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	link := b.get("/activity?action=create").Doc.Find(`a[download]`).AttrOr("href", "")
	if link != "/activity.csv?action=create" {
		t.Fatalf("CSV link %q, want the page's filter", link)
	}
	r := b.get(link)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("CSV answer: %d %v", r.StatusCode, r.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][1] != "person" {
		t.Fatalf("rows: %v", rows)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("cell %q would run as a formula", cell)
		}
	}
	if rows[1][1] != `'=HYPERLINK("https://evil.example")` || rows[1][8] != "'+1 cmd" {
		t.Errorf("neutralised cells read %q and %q", rows[1][1], rows[1][8])
	}
	all, _ := csv.NewReader(strings.NewReader(b.get("/activity.csv").Body)).ReadAll()
	if len(all) != 3 || all[1][1] != "'@sum" || all[1][8] != "'-2" {
		t.Errorf("unfiltered export: %v", all)
	}
	if r := ts.browser().get("/activity.csv"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the export without a session: %d", r.StatusCode)
	}
}

// Every entry says how it went: a pin, a note, an unpin and a schedule
// change are done, not "started" forever, on the page and in the CSV, which
// leaves an id empty rather than writing a meaningless 0.
func TestEveryActivityEntryEndsWithWhatHappened(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.record(t,
		activity.Record{Actor: "alice", Action: activity.Pin, ServerID: 12345, ServerName: "web-server-01", SnapshotID: 801, SnapshotName: "pre-migration-snapshot", Outcome: activity.Started, Detail: "keep"},
		activity.Record{Actor: "alice", Action: activity.Note, ServerID: 12345, ServerName: "web-server-01", SnapshotID: 801, SnapshotName: "pre-migration-snapshot", Outcome: activity.Started, Detail: "why"},
		activity.Record{Actor: "alice", Action: activity.Schedule, ServerID: 12345, ServerName: "web-server-01", Outcome: activity.Started, Detail: "created: every day"},
	)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.get("/activity").Doc.Find("tr.record").Each(func(_ int, row *goquery.Selection) {
		if got := strings.TrimSpace(row.Find(`td[data-label="Outcome"] .badge`).Text()); got != "done" {
			t.Errorf("%q reads %q", strings.Join(strings.Fields(row.Find("td.what").Text()), " "), got)
		}
	})
	rows, err := csv.NewReader(strings.NewReader(b.get("/activity.csv").Body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	for _, r := range rows[1:] {
		if r[7] != "done" || r[5] == "0" {
			t.Errorf("CSV row %q: outcome %q, snapshot id %q", r[2], r[7], r[5])
		}
	}
}
