package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// Without a Servers API (it answers 404), servers are those seen in the
// snapshot lists and a restore shows as started, without live status.
func TestWithoutServersAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(_ *webConfig, o *simOptions) { o.NoServersAPI = true })
	b := ts.browser()
	page := b.signIn(simulator.DemoToken)
	if got := texts(page.Doc.Find("section.server h2")); strings.Join(got, ",") != "db-server-01,staging-01,web-server-01" {
		t.Errorf("servers shown %q: want those that have snapshots", got)
	}
	if n := page.Doc.Find(`[data-testid="server-status"]`).Length(); n != 0 {
		t.Errorf("%d status badges without a Servers API", n)
	}
	unknown := b.get("/?server_id=424242")
	if got := texts(unknown.Doc.Find("section.server h2")); len(got) != 3 || unknown.Doc.Find(".flash.info").Text() == "" {
		t.Errorf("an unknown server filter shows %q, note %q: want every server and a note", got, unknown.Doc.Find(".flash.info").Text())
	}
	conf := formFields(b.get("/snapshots/801/restore?server_id=12345"), "form.confirm")
	conf.Del("safety") // a plain restore
	conf.Set("confirm_name", "web-server-01")
	if r := b.post("/snapshots/801/restore?server_id=12345", conf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.StatusCode)
	}
	home := b.follow("/")
	if !strings.Contains(home.Doc.Find("#flashes").Text(), "Restore of web-server-01 from pre-migration-snapshot started") {
		t.Errorf("flash %q", home.Doc.Find("#flashes").Text())
	}
	form := newForm(b, "12346") // web-server-01 is being restored: VPS.org would refuse
	form.Set("name", "still-works")
	if r := b.post("/snapshots", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("create without a Servers API: %d", r.StatusCode)
	}
	if r := b.get("/activity"); r.StatusCode != http.StatusOK || r.Doc.Find("tr.record").Length() != 2 {
		t.Errorf("activity without a Servers API: %d, %d records", r.StatusCode, r.Doc.Find("tr.record").Length())
	}
}
