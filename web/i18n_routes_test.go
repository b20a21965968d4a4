package web_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// route is how routes.go registers a route: its group's method and path.
var route = regexp.MustCompile(`\b(\w+)\.(GET|POST)\("([^"]+)"`)

// Every route Snapdash answers, in Catalan: each page and fragment (as a
// page and as htmx asks for it), each form's answer to what is wrong with
// it, and the error pages. A route added to routes.go and not here fails
// the test, so no page is left out of the languages.
func TestCatalanEveryRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true}, manyWrites)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	home := b.get("/")
	poll, _ := pollOf(home.Doc.Find("#server-12345-live"))
	if poll == "" {
		poll = "/poll/servers/12345?r=1" // an idle card does not poll: its poll still answers
	}
	poll = strings.TrimPrefix(poll, ts.base)

	// What each route is asked, by "group METHOD path" as routes.go says it.
	gets := map[string][]string{
		"pages GET /signin":                {"/signin"},
		"app GET /":                        {"/", "/?server_id=nope", "/?server_id=999"},
		"app GET /snapshots/new":           {"/snapshots/new?server_id=12345", "/snapshots/new?server_id=12347"},
		"app GET /snapshots/:id/restore":   {"/snapshots/801/restore?server_id=12345", "/snapshots/999999/restore?server_id=12345"},
		"app GET /snapshots/:id/marks":     {"/snapshots/801/marks?server_id=12345"},
		"app GET /snapshots/:id/delete":    {"/snapshots/801/delete?server_id=12345", "/snapshots/abc/delete?server_id=12345"},
		"polls GET /servers/:id":           {poll, poll + "&full=1"},
		"polls GET /changes":               {"/poll/changes?since=0"},
		"polls GET /tray":                  {"/poll/tray"},
		"app GET /fleet":                   {"/fleet", "/fleet?q=%3Cscript%3E", "/fleet?sort=size&page=99"},
		"app GET /fleet/delete":            {"/fleet/delete?id=12345:801", "/fleet/delete"},
		"app GET /schedules":               {"/schedules", "/poll/schedules"},
		"polls GET /schedules":             {"/poll/schedules"},
		"app GET /activity":                {"/activity", "/activity?action=nope&server_id=1"},
		"app GET /activity.csv":            {"/activity.csv"},
		"not a route (the page not found)": {"/no-such-page"},
	}
	posts := map[string][]struct {
		path string
		form url.Values
	}{
		"pages POST /signin":              {{"/signin", url.Values{"token": {"not-a-token"}}}},
		"app POST /snapshots":             {{"/snapshots", url.Values{"server_id": {"12345"}, "name": {"no spaces allowed!"}}}, {"/snapshots", url.Values{"server_id": {"12347"}, "name": {"sixth"}}}},
		"app POST /snapshots/:id/restore": {{"/snapshots/801/restore?server_id=12345", url.Values{"confirm_name": {"wrong-name"}}}},
		"app POST /restores/:id/cancel":   {{"/restores/999999/cancel?server_id=12345", nil}},
		"app POST /snapshots/:id/pin":     {{"/snapshots/801/pin?server_id=12345", url.Values{"reason": {""}}}},
		"app POST /snapshots/:id/unpin":   {{"/snapshots/801/unpin?server_id=12345", nil}},
		"app POST /snapshots/:id/note":    {{"/snapshots/801/note?server_id=12345", url.Values{"text": {strings.Repeat("x", 600)}}}},
		"app POST /snapshots/:id/marks":   {{"/snapshots/801/marks?server_id=12345", url.Values{"do": {"nope"}}}},
		"app POST /snapshots/:id/delete":  {{"/snapshots/999999/delete?server_id=12345", url.Values{"form_id": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"}}}},
		"app POST /fleet/delete":          {{"/fleet/delete", nil}},
		"app POST /schedules":             {{"/schedules", url.Values{"server_id": {"12345"}, "every": {"weekly"}, "at": {"25:99"}, "keep": {"0"}}}},
		"app POST /schedules/:id":         {{"/schedules/999", url.Values{"server_id": {"12345"}}}},
		"app POST /schedules/:id/run":     {{"/schedules/999/run", nil}},
		"app POST /schedules/:id/pause":   {{"/schedules/999/pause", nil}},
		"app POST /schedules/:id/resume":  {{"/schedules/999/resume", nil}},
		"app POST /schedules/:id/delete":  {{"/schedules/999/delete", nil}},
		"pages POST /language":            {{"/language", url.Values{"lang": {"ca"}, "back": {"/fleet"}}}},
		"pages POST /signout":             nil, // last, below
	}
	notPages := map[string]string{
		"g GET /healthz": "a probe's answer", "g GET /readyz": "a probe's answer", "g GET /robots.txt": "for robots",
		"g GET /static/:hash/:name": "scripts and styles (their words are the page's data-words)",
	}

	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range route.FindAllStringSubmatch(string(src), -1) {
		key := m[1] + " " + m[2] + " " + m[3]
		if _, ok := gets[key]; ok {
			continue
		}
		if _, ok := posts[key]; ok {
			continue
		}
		if _, ok := notPages[key]; !ok {
			t.Errorf("routes.go has %q, which this test does not ask in Catalan", key)
		}
	}

	check := func(what string, r response) {
		t.Helper()
		if r.StatusCode == http.StatusSeeOther || r.StatusCode == http.StatusFound {
			r = b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL))
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			if head, _, _ := strings.Cut(r.Body, "\n"); strings.Contains(head, "outcome") {
				t.Errorf("%s: the CSV's header is English: %q", what, head)
			}
			return
		}
		if r.Doc == nil {
			return // no words: 204, or a redirect's answer
		}
		if words := untranslated(r); len(words) > 0 {
			t.Errorf("%s (%d) says English words %v", what, r.StatusCode, words)
		}
	}
	for key, paths := range gets {
		for _, p := range paths {
			check(key+": "+p, b.get(p))
			check(key+": "+p+" (htmx)", b.hx(http.MethodGet, p, nil))
		}
	}
	for key, reqs := range posts {
		for _, r := range reqs {
			form := url.Values{}
			for k, v := range r.form {
				form[k] = v
			}
			check(key+": "+r.path, b.post(r.path, form))
			check(key+": "+r.path+" (htmx)", b.hx(http.MethodPost, r.path, r.form))
		}
	}
	check("pages POST /signout", b.post("/signout", nil))
	check("the signed-out home page", b.follow("/"))
}

// manyWrites lets one person send many forms at once: each is to be
// answered as itself, not as "too many changes".
func manyWrites(c *webConfig, _ *simOptions) { c.WriteBurst = 1000 }
