package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

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
	return views.Page{Title: "T", Asset: func(n string) string { return "/static/h/" + n }, CSRF: "csrf-123", SignedIn: true, TokenHint: "token …2025"}
}

func size(v int64) *int64 { return &v }

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		mb   *int64
		want string
	}{{nil, "—"}, {size(512), "512 MB"}, {size(5120), "5.0 GB"}, {size(4856), "4.7 GB"}, {size(3 * 1024 * 1024), "3.0 TB"}} {
		if got := views.HumanSize(tc.mb); got != tc.want {
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
		if got := views.Age(now.Add(-tc.ago), now); got != tc.want {
			t.Errorf("Age(-%s) = %q, want %q", tc.ago, got, tc.want)
		}
	}
}

func TestServerCardShowsWhatAPersonNeeds(t *testing.T) {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	g := views.ServerGroup{ID: 7, Name: "web-1", Status: "restoring", Limit: 5, Snapshots: []vpsapi.Snapshot{
		{ID: 2, Name: "new", Status: "in_progress", CreatedAt: now.Add(-time.Minute), Description: "running now"},
		{ID: 1, Name: "old", Status: "completed", SizeMB: size(2048), CreatedAt: now.Add(-50 * time.Hour)},
		{ID: 0, Name: "odd", Status: "queued_for_later", CreatedAt: now},
	}}
	doc := render(t, views.ServerCard(g, now))
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
	g := views.ServerGroup{ID: 1, Name: `<img src=x onerror=alert(1)>`, Limit: 5, Snapshots: []vpsapi.Snapshot{
		{ID: 1, Name: `"><script>alert(2)</script>`, Status: `x" onmouseover="alert(3)`, Description: "<b>bold</b>", CreatedAt: now},
	}}
	var buf bytes.Buffer
	if err := views.ServerCard(g, now).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{"<img", "<script>", "<b>", `onmouseover="alert`} {
		if strings.Contains(html, bad) {
			t.Errorf("upstream markup %q reached the HTML", bad)
		}
	}
	doc := render(t, views.ServerCard(g, now))
	if doc.Find("h2").Text() != g.Name {
		t.Error("the escaped name does not read as the original text")
	}
}

func TestFullServerIsMarked(t *testing.T) {
	g := views.ServerGroup{ID: 1, Name: "s", Limit: 5, Snapshots: make([]vpsapi.Snapshot, 5)}
	if !render(t, views.ServerCard(g, time.Now())).Find(".quota").HasClass("full") {
		t.Error("5 / 5 not marked full")
	}
	g.Snapshots = g.Snapshots[:4]
	if render(t, views.ServerCard(g, time.Now())).Find(".quota").HasClass("full") {
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
