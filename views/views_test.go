package views_test

import (
	"bytes"
	"context"
	"html"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func page() views.Page {
	return views.Page{Title: "Snapshots", Section: "Snapshots", Lang: "en", Asset: func(n string) string { return "/static/h/" + n }, CSRF: "csrf-123", SignedIn: true, TokenHint: "token …2025"}
}

func size(v int64) *int64 { return &v }

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		mb   *int64
		want string
	}{{nil, "—"}, {size(512), "512 MB"}, {size(5120), "5.0 GB"}, {size(4856), "4.7 GB"}, {size(3 * 1024 * 1024), "3.0 TB"}} {
		if got := views.HumanSize(context.Background(), tc.mb); got != tc.want {
			t.Errorf("HumanSize(%v) = %q, want %q", tc.mb, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ago  time.Duration
		want string
	}{{10 * time.Second, "just now"}, {5 * time.Minute, "5 min ago"}, {3 * time.Hour, "3 h ago"}, {4 * 24 * time.Hour, "4 d ago"}, {400 * 24 * time.Hour, "13 months ago"}} {
		g := views.ServerGroup{Now: now, ID: 1, Name: "s", Limit: 5, Snapshots: []vpsapi.Snapshot{{ID: 1, Name: "n", Status: "completed", CreatedAt: now.Add(-tc.ago)}}}
		if got := render(t, views.ServerCard(g)).Find("tr.snapshot time").Text(); got != tc.want {
			t.Errorf("created %s ago reads %q, want %q", tc.ago, got, tc.want)
		}
	}
}

func TestServerCardShowsWhatAPersonNeeds(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	g := views.ServerGroup{Now: now, ID: 7, Name: "web-1", Status: "restoring", Limit: 5, Snapshots: []vpsapi.Snapshot{
		{ID: 2, Name: "new", Status: "in_progress", CreatedAt: now.Add(-time.Minute), Description: "running now"},
		{ID: 1, Name: "old", Status: "completed", SizeMB: size(2048), CreatedAt: now.Add(-50 * time.Hour)},
		{ID: 0, Name: "odd", Status: "queued_for_later", CreatedAt: now},
	}}
	doc := render(t, views.ServerCard(g))
	if got := doc.Find("h2").Text(); got != "web-1" {
		t.Errorf("heading %q", got)
	}
	if got := strings.Join(strings.Fields(doc.Find(".quota").Text()), " "); got != "Snapshots used: 3 / 5" {
		t.Errorf("quota %q", got)
	}
	if b := doc.Find(`[data-testid="server-status"]`); b.Text() != "restoring" || !b.HasClass("restoring") {
		t.Errorf("server badge %q", b.Text())
	}
	rows := doc.Find("tr.snapshot")
	if rows.Length() != 3 {
		t.Fatalf("%d rows", rows.Length())
	}
	if got := rows.Eq(0).Find(".badge").Text(); got != "in progress" {
		t.Errorf("in-progress badge reads %q", got)
	}
	if got := rows.Eq(0).Find("td.num").First().Text(); got != "—" {
		t.Errorf("size of an unfinished snapshot %q", got)
	}
	if got := rows.Eq(1).Find("time").Text(); got != "2 d ago" {
		t.Errorf("age %q", got)
	}
	odd := rows.Eq(2).Find(".badge")
	if odd.Text() != "queued for later" || !odd.HasClass("unknown") {
		t.Errorf("unknown status shown as %q with class %q", odd.Text(), odd.AttrOr("class", ""))
	}
}

func TestUpstreamTextIsEscaped(t *testing.T) {
	now := time.Now()
	g := views.ServerGroup{Now: now, ID: 1, Name: `<img src=x onerror=alert(1)>`, Limit: 5, Snapshots: []vpsapi.Snapshot{
		{ID: 1, Name: `"><script>alert(2)</script>`, Status: `x" onmouseover="alert(3)`, Description: "<b>bold</b>", CreatedAt: now},
		{ID: 2, Name: "marked", Status: "completed", CreatedAt: now},
	}}
	// What teammates wrote (who they are, a pin's reason, a note) is text too.
	who := `<img src=x onerror=alert(4)>`
	g.CreatedBy = map[int64]views.Attribution{2: {Actor: who, At: now}}
	g.Pins = map[int64]views.Mark{2: {Actor: who, Text: "<script>alert(5)</script>", At: now}}
	g.Notes = map[int64]views.Mark{2: {Actor: who, Text: `<b onclick="alert(6)">`, At: now}}
	var buf bytes.Buffer
	if err := views.ServerCard(g).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{"<img", "<script>", "<b>", `onmouseover="alert`} {
		if strings.Contains(html, bad) {
			t.Errorf("upstream markup %q reached the HTML", bad)
		}
	}
	doc := render(t, views.ServerCard(g))
	if doc.Find("h2").Text() != g.Name {
		t.Error("the escaped name does not read as the original text")
	}
	if got := doc.Find("#snapshot-2 .pin").Text(); !strings.Contains(got, who) || !strings.Contains(got, g.Pins[2].Text) {
		t.Errorf("the pin reads %q", got)
	}
	if got := doc.Find("#snapshot-2 .note").Text(); !strings.Contains(got, g.Notes[2].Text) {
		t.Errorf("the note reads %q", got)
	}
	row := doc.Find("tr.snapshot").First()
	s := g.Snapshots[0]
	if got := row.Find(".snap-name").Text(); got != s.Name {
		t.Errorf("snapshot name reads %q", got)
	}
	if got := row.Find("td.desc").Text(); got != s.Description {
		t.Errorf("description reads %q", got)
	}
	if got := row.Find(".badge").Text(); got != "x\" onmouseover=\"alert(3)" {
		t.Errorf("odd status reads %q", got)
	}
	if got := row.Find(".row-actions .sr-only").Last().Text(); got != s.Name {
		t.Errorf("the delete button's label for screen readers reads %q", got)
	}
}

// A row's words are words: its pin and note read with their spaces, and
// its actions say for screen readers what they act on.
func TestRowActionsSayWhatTheyActOn(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	g := views.ServerGroup{Now: now, ID: 7, Name: "web-1", Status: "running", Limit: 5, Snapshots: []vpsapi.Snapshot{
		{ID: 1, Name: "before-upgrade", Status: "completed", SizeMB: size(2048), CreatedAt: now.Add(-50 * time.Hour)},
	}}
	g.Pins = map[int64]views.Mark{1: {Actor: "alice", At: now.Add(-time.Hour), Text: "golden image"}}
	g.Notes = map[int64]views.Mark{1: {Actor: "bob", At: now.Add(-time.Hour), Text: "keep until Friday"}}
	row := render(t, views.ServerCard(g)).Find("tr.snapshot")
	if got := row.Find(".pin").Text(); got != "pinned by alice · 1 h ago: golden image" {
		t.Errorf("the pin reads %q", got)
	}
	if got := row.Find(".note").Text(); got != "note by bob · 1 h ago keep until Friday" {
		t.Errorf("the note reads %q", got)
	}
	for sel, want := range map[string]string{"#snapshot-1-restore": "Restore web-1 from before-upgrade", "#snapshot-1-marks": "Pin or note before-upgrade"} {
		a := row.Find(sel)
		if got := a.Contents().First().Text() + " " + a.Find(".sr-only").Text(); got != want {
			t.Errorf("%s reads %q to a screen reader, want %q", sel, got, want)
		}
	}
}

// Every time on a row is a <time> with the exact UTC time for machines and
// on hover, and how long ago it was as its text.
func TestTimesAreExactAndRelative(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	created := time.Date(2025, 1, 20, 10, 30, 5, 0, berlin) // 09:30:05 UTC
	g := views.ServerGroup{Now: now, ID: 3, Name: "db", Limit: 5,
		Snapshots: []vpsapi.Snapshot{{ID: 9, Name: "pre", Status: "completed", CreatedAt: created}},
		CreatedBy: map[int64]views.Attribution{9: {Actor: "ana@example.com", At: now.Add(-5 * time.Minute)}},
	}
	times := render(t, views.ServerCard(g)).Find("tr.snapshot time")
	if times.Length() != 2 {
		t.Fatalf("%d times in the row", times.Length())
	}
	for i, want := range []struct{ datetime, title, text string }{
		{"2025-01-20T11:55:00Z", "2025-01-20 11:55:00 UTC", "5 min ago"},
		{"2025-01-20T09:30:05Z", "2025-01-20 09:30:05 UTC", "2 h ago"},
	} {
		el := times.Eq(i)
		if el.AttrOr("datetime", "") != want.datetime || el.AttrOr("title", "") != want.title || el.Text() != want.text {
			t.Errorf("time %d: datetime %q title %q text %q, want %+v", i, el.AttrOr("datetime", ""), el.AttrOr("title", ""), el.Text(), want)
		}
	}
}

func TestFullServerIsMarked(t *testing.T) {
	g := views.ServerGroup{ID: 1, Name: "s", Limit: 5, Snapshots: make([]vpsapi.Snapshot, 5)}
	if !render(t, views.ServerCard(g)).Find(".quota").HasClass("full") {
		t.Error("5 / 5 not marked full")
	}
	g.Snapshots = g.Snapshots[:4]
	if render(t, views.ServerCard(g)).Find(".quota").HasClass("full") {
		t.Error("4 / 5 marked full")
	}
}

func TestLayoutCarriesCSRFForHtmxAndForms(t *testing.T) {
	doc := render(t, views.SnapshotsPage(views.Snapshots{Page: page()}))
	if h, _ := doc.Find("body").Attr("hx-headers"); h != `{"X-CSRF-Token":"csrf-123"}` {
		t.Errorf("hx-headers %q", h)
	}
	if v, _ := doc.Find(`form[action="/signout"] input[name="_csrf"]`).Attr("value"); v != "csrf-123" {
		t.Errorf("sign-out form token %q", v)
	}
	if doc.Find("script:not([src])").Length() != 0 {
		t.Error("an inline script would break the CSP")
	}
	if doc.Find("[style]").Length() != 0 {
		t.Error("an inline style would break the CSP")
	}
	if !strings.Contains(doc.Find(".card.empty").Text(), "no servers") {
		t.Error("no empty state")
	}
	if cur := doc.Find(`nav a[aria-current="page"]`); cur.Length() != 1 || cur.Text() != "Snapshots" {
		t.Errorf("current page in the nav: %d links, %q", cur.Length(), cur.Text())
	}
}

func TestSignInPage(t *testing.T) {
	p := page()
	p.SignedIn = false
	doc := render(t, views.SignInPage(views.SignIn{Page: p, DemoToken: "demo-1", Error: "This token was refused", Notice: "You are signed out.", Next: "/?server_id=1"}))
	if doc.Find("#demo-token").Text() != "demo-1" {
		t.Error("demo token not shown")
	}
	in := doc.Find("#token")
	if in.AttrOr("type", "") != "password" || in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "token-error" {
		t.Errorf("token field attributes: %v", in.Nodes[0].Attr)
	}
	if doc.Find("#token-error").Text() != "This token was refused" {
		t.Error("error not shown by the field")
	}
	if doc.Find(`label[for="token"]`).Length() != 1 {
		t.Error("token field has no label")
	}
	if doc.Find(`input[name="next"]`).AttrOr("value", "") != "/?server_id=1" {
		t.Error("next not carried")
	}
	if doc.Find(`form[action="/signout"]`).Length() != 0 {
		t.Error("a signed-out page offers sign-out")
	}
}

func TestErrorPageOffersRetry(t *testing.T) {
	doc := render(t, views.ErrorPage(views.Problem{Page: page(), Status: 502, Heading: "VPS.org is not answering", Message: "Try again.", RetryURL: "/?server_id=5"}))
	if doc.Find("h1").Text() != "VPS.org is not answering" {
		t.Error("heading")
	}
	if doc.Find(`a[href="/?server_id=5"]`).Text() != "Try again" {
		t.Error("no retry link")
	}
}

func TestLivePartPollsOnlyWhileSomethingMoves(t *testing.T) {
	now := time.Now()
	done := vpsapi.Snapshot{ID: 1, Name: "a", Status: "completed", SizeMB: size(1), CreatedAt: now}
	moving := vpsapi.Snapshot{ID: 2, Name: "b", Status: "in_progress", CreatedAt: now}

	idle := render(t, views.ServerLive(views.ServerGroup{ID: 9, Name: "s", Status: "running", Limit: 5, Snapshots: []vpsapi.Snapshot{done}}))
	if n := idle.Find("[hx-trigger]").Length(); n != 0 {
		t.Errorf("an idle server's live part has %d triggers; it would poll forever", n)
	}

	g := views.ServerGroup{Base: "/sd", ID: 9, Name: "s", Status: "running", Limit: 5, Snapshots: []vpsapi.Snapshot{moving, done}}
	live := render(t, views.ServerLive(g)).Find("#server-9-poller")
	if tr, _ := live.Attr("hx-trigger"); tr != "every 2s" {
		t.Errorf("trigger %q, want every 2s", tr)
	}
	if u, _ := live.Attr("hx-get"); u != "/sd/poll/servers/9?ip=2&n=0&st=running" {
		t.Errorf("poll URL %q", u)
	}

	g.Snapshots = []vpsapi.Snapshot{done}
	g.Status = "restoring"
	doc := render(t, views.ServerLive(g))
	if _, ok := doc.Find("#server-9-poller").Attr("hx-trigger"); !ok {
		t.Error("a restoring server does not poll")
	}
	if doc.Find(`a[href*="/restore"]`).Length() != 0 {
		t.Error("restore offered while a restore runs")
	}
}

func TestPollBackoff(t *testing.T) {
	var got []time.Duration
	for n := 0; n < 10; n++ {
		got = append(got, views.PollSpec{After: n}.Interval())
	}
	if got[0] != 2*time.Second || got[9] != 15*time.Second {
		t.Errorf("intervals %v: want 2s first, 15s at most", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			t.Errorf("interval shrinks at %d: %v", i, got)
		}
	}
}

func TestCreateButtonDisabledAtLimitWithReason(t *testing.T) {
	full := views.ServerGroup{ID: 3, Name: "s", Limit: 5, Snapshots: make([]vpsapi.Snapshot, 5)}
	for i := range full.Snapshots {
		full.Snapshots[i] = vpsapi.Snapshot{ID: int64(i + 1), Status: "completed"}
	}
	doc := render(t, views.ServerLive(full))
	b := doc.Find(".head-actions button")
	if _, disabled := b.Attr("disabled"); !disabled {
		t.Fatal("create is not disabled at 5/5")
	}
	reason := doc.Find("#" + b.AttrOr("aria-describedby", "none")).Text()
	if !strings.Contains(reason, "Limit of 5 reached") {
		t.Errorf("reason %q", reason)
	}
	if doc.Find(`a[href*="/snapshots/new"]`).Length() != 0 {
		t.Error("a create link is still offered at 5/5")
	}
}

func TestCreateFormKeepsInputAndShowsErrors(t *testing.T) {
	f := views.CreateForm{Page: page(), ServerID: 4, ServerName: "web", ServerStatus: "running", Name: "bad name!", Description: "desc <b>",
		FormID: "ABCDEFGHIJKLMNOP", Errors: map[string]string{"name": "letters only", "": "VPS.org refused: limit"}}
	doc := render(t, views.CreateFormBody(f))
	if v := doc.Find(`input[name="name"]`).AttrOr("value", ""); v != "bad name!" {
		t.Errorf("name kept as %q", v)
	}
	if v := doc.Find(`textarea[name="description"]`).Text(); v != "desc <b>" {
		t.Errorf("description kept as %q", v)
	}
	if doc.Find("#f4-name-error").Text() != "letters only" || doc.Find(`input[name="name"]`).AttrOr("aria-invalid", "") != "true" {
		t.Error("field error not shown by the field")
	}
	if !strings.Contains(doc.Find(".flash.error").Text(), "limit") {
		t.Error("form-level refusal not shown")
	}
	if !strings.Contains(doc.Find(".warning").Text(), "running") {
		t.Error("no consistency warning for a running server")
	}
	f.ServerStatus = "stopped"
	if render(t, views.CreateFormBody(f)).Find(".warning").Length() != 0 {
		t.Error("consistency warning shown for a stopped server")
	}
}

func TestRestoreConfirmationSaysWhatHappens(t *testing.T) {
	c := views.Confirm{Page: page(), ServerID: 1, ServerName: "web-1", SnapshotID: 801, SnapshotName: "pre-mig", FormID: "ABCDEFGHIJKLMNOP"}
	doc := render(t, views.Dialog(views.RestoreBody(c)))
	text := doc.Text()
	for _, want := range []string{"web-1", "pre-mig", "stopped", "overwritten", "cannot be undone"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation does not say %q", want)
		}
	}
	if doc.Find(`label[for="confirm-name"]`).Length() != 1 || doc.Find(`input[name="confirm_name"]`).Length() != 1 {
		t.Error("no labelled field to type the server name")
	}
	if a := doc.Find("form").AttrOr("action", ""); a != "/snapshots/801/restore?server_id=1" {
		t.Errorf("form posts to %q", a)
	}
}

// A long page title is shortened to 70 characters as written in the HTML
// (escaped), keeping "· Snapdash" at its end; a short one is kept whole.
func TestDocumentTitleFitsSeventyCharacters(t *testing.T) {
	for _, title := range []string{
		"Snapshots",
		"Delete " + strings.Repeat("a1b2c3d4e5", 10),
		"Restore " + strings.Repeat("<&>", 40),
		"Delete " + strings.Repeat("\U0001F4A5", 60),
	} {
		got := views.Page{Title: title}.DocumentTitle()
		escaped := html.EscapeString(got)
		if n := len(utf16.Encode([]rune(escaped))); n > 70 {
			t.Errorf("%q: %d characters as written", got, n)
		}
		if !strings.HasSuffix(got, " · Snapdash") {
			t.Errorf("%q lost its suffix", got)
		}
		if len(title) < 20 && got != title+" · Snapdash" {
			t.Errorf("a short title was changed: %q", got)
		}
	}
}

// A <time>'s datetime and title say the exact time as time's own layouts
// would, whatever the moment (the rows write them without the layouts).
func TestTimesAreWrittenAsTheLayoutsWould(t *testing.T) {
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.FixedZone("CET", 3600)),
		time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		g := views.ServerGroup{Now: now, ID: 1, Name: "s", Limit: 5, Snapshots: []vpsapi.Snapshot{{ID: 1, Name: "n", Status: "completed", CreatedAt: at}}}
		tm := render(t, views.ServerCard(g)).Find("tr.snapshot time")
		if got, want := tm.AttrOr("datetime", ""), views.ISO(at); got != want {
			t.Errorf("%s: datetime %q, want %q", at, got, want)
		}
		if got, want := tm.AttrOr("title", ""), views.UTC(at); got != want {
			t.Errorf("%s: title %q, want %q", at, got, want)
		}
	}
}

// A row's links are the card's Link (with the way back to a filtered view
// for restore and delete), escaped like any attribute whatever the base
// path holds.
func TestRowLinksAreTheCardsLinks(t *testing.T) {
	now := time.Now()
	g := views.ServerGroup{Base: `/a"b&c`, Now: now, ID: 7, Name: "s", Limit: 5, Filtered: true, MarksOn: true,
		Snapshots: []vpsapi.Snapshot{{ID: 3, Name: "n", Status: "completed", CreatedAt: now}}}
	doc := render(t, views.ServerCard(g))
	for id, want := range map[string]string{
		"#snapshot-3-restore": g.Link("/snapshots/3/restore") + "&back=filtered",
		"#snapshot-3-delete":  g.Link("/snapshots/3/delete") + "&back=filtered",
		"#snapshot-3-marks":   g.Link("/snapshots/3/marks"),
	} {
		if got := doc.Find(id).AttrOr("href", ""); got != want {
			t.Errorf("%s links to %q, want %q", id, got, want)
		}
	}
}
