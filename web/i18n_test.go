package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// english are words of English sentences that Catalan never uses: one of
// them in a Catalan page is a sentence left untranslated.
var english = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the is are was were of to and with from this that these those your you will
		not been by its has have in on at or for snapshot snapshots server servers delete deleted restore restored
		create created cancel show select selected pinned note new all any every page schedule schedules running
		completed done started ago just now sign signed out keep kept run runs who what when outcome size status
		name description actions action activity none nothing there here should would could may must
		paused resumed removed answer automation`) {
		english[w] = true
	}
}

// names are what a page shows that is no one's language: the simulator's
// servers and snapshots, people, Snapdash's and VPS.org's own names.
var names = regexp.MustCompile(`(?i)token …\w+|web-server-01|db-server-01|staging-01|build-runner-01|pre-migration-snapshot|weekly-snapshot-2025-01-08|before-postgres-16|release-1-\d|before-restore-\d+-\d+|snapdash|vps\.org|english|\bapi\b|\butc\b|\bcsv\b|\bgb\b|\bmb\b|\bid\b`)

// upstreamWords are VPS.org's own (the simulator's), which pass through.
var upstreamWords = regexp.MustCompile(`Before the PostgreSQL 16 upgrade|Before major migration|Weekly snapshot|Release 1\.\d|Safety snapshot before restoring [\w-]+ from [\w-]+, by token …\d+|Snapshot is being created\. This may take 3-10 minutes depending on server size\.|Server is being restored from snapshot\. This may take 5-15 minutes\.`)

var tags = regexp.MustCompile(`<[^>]*>`)

var word = regexp.MustCompile(`[\p{L}·]+`)

// untranslated lists the English words a response says, in its text and
// in what a screen reader or a hover reads (aria-label, title, the busy
// words a button takes).
func untranslated(r response) []string {
	var texts []string
	doc := r.Doc
	if doc == nil {
		return nil
	}
	doc.Find("script, style").Remove()
	texts = append(texts, tags.ReplaceAllString(doc.Text(), " ")) // a noscript's text is its HTML
	doc.Find("[aria-label], [title], [data-busy], [data-label], [placeholder], [content]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "data-busy", "data-label", "placeholder"} {
			texts = append(texts, s.AttrOr(a, ""))
		}
		if s.AttrOr("name", "") == "description" {
			texts = append(texts, s.AttrOr("content", ""))
		}
	})
	var found []string
	for _, t := range texts {
		t = names.ReplaceAllString(upstreamWords.ReplaceAllString(t, " "), " ")
		for _, loc := range word.FindAllStringIndex(t, -1) {
			w := t[loc[0]:loc[1]]
			if english[strings.ToLower(w)] {
				found = append(found, w+" in «"+strings.Join(strings.Fields(t[max(0, loc[0]-40):min(len(t), loc[1]+40)]), " ")+"»")
			}
		}
	}
	return found
}

// A person whose browser prefers Catalan meets no English sentence on any
// page, dialog or fragment of the flows (sign in, create, restore with its
// safety snapshot, pin, bulk delete, schedules, activity, errors); the
// header switches to English and back, for the browser's session.
func TestCatalanThroughout(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	ca := []string{"Accept-Language", "ca-ES,ca;q=0.9,en;q=0.5"}

	check := func(what string, r response, page bool) {
		t.Helper()
		if r.StatusCode >= 500 && what != "VPS.org failing" {
			t.Errorf("%s: %d", what, r.StatusCode)
		}
		if r.Doc == nil {
			t.Errorf("%s: %d, no page", what, r.StatusCode)
			return
		}
		if page && r.Doc.Find("html").AttrOr("lang", "") != "ca" {
			t.Errorf("%s: <html lang=%q>, want ca", what, r.Doc.Find("html").AttrOr("lang", ""))
		}
		if words := untranslated(r); len(words) > 0 {
			t.Errorf("%s says English words %v", what, words)
		}
	}
	check("the sign-in page", b.get("/signin", ca...), true)
	check("a refused sign-in", b.post("/signin", url.Values{"token": {"tk-nope"}}, ca...), true)
	b.signIn(simulator.DemoToken)
	home := b.get("/", ca...)
	check("the snapshots page", home, true)

	// The switch remembers a choice for the browser's session, over
	// Accept-Language, and goes back to where it was made.
	form := formFields(home, "form.lang")
	form.Set("lang", "en")
	if r := b.post("/language", form, ca...); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("switch to English: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if en := b.get("/", ca...); en.Doc.Find("html").AttrOr("lang", "") != "en" || en.Doc.Find("h1").Text() != "Snapshots" {
		t.Errorf("after choosing English: lang %q, heading %q", en.Doc.Find("html").AttrOr("lang", ""), en.Doc.Find("h1").Text())
	}
	form.Set("lang", "ca")
	b.post("/language", form)
	if h := b.get("/").Doc.Find("h1").Text(); h != "Instantànies" {
		t.Errorf("after choosing Catalan, the heading is %q", h)
	}

	check("the new snapshot form", b.get("/snapshots/new?server_id=12348"), true)
	check("the new snapshot form at 5 of 5", b.hx(http.MethodGet, "/snapshots/new?server_id=12347", nil), false)
	created := b.hx(http.MethodPost, "/snapshots", url.Values{"server_id": {"12348"}, "name": {"abans-de-tot"}, "form_id": {formFields(b.get("/snapshots/new?server_id=12348"), "form.create").Get("form_id")}})
	check("a create's answer", created, false)
	check("a refused create", b.hx(http.MethodPost, "/snapshots", url.Values{"server_id": {"12348"}, "name": {"no vàlid!"}, "form_id": {"x"}}), false)

	restore := b.get("/snapshots/801/restore?server_id=12345")
	check("the restore dialog", restore, true)
	check("the restore dialog at 5 of 5", b.get("/snapshots/814/restore?server_id=12347"), true)
	rf := formFields(restore, "form.confirm")
	rf.Set("confirm_name", "wrong")
	check("a restore with the wrong name", b.post("/snapshots/801/restore?server_id=12345", rf), true)
	rf.Set("confirm_name", "web-server-01")
	b.post("/snapshots/801/restore?server_id=12345", rf)
	check("the page with a safety restore running", b.get("/"), true)

	marks := b.get("/snapshots/798/marks?server_id=12345")
	check("the pin and note dialog", marks, true)
	mf := formFields(marks, "form")
	mf.Set("reason", "auditoria")
	mf.Set("do", "pin")
	b.post("/snapshots/798/marks?server_id=12345", mf)
	check("the delete dialog of a pinned snapshot", b.get("/snapshots/798/delete?server_id=12345"), true)

	fleet := b.get("/fleet?select=old")
	check("All snapshots", fleet, true)
	check("a bulk delete's confirmation", b.get("/fleet/delete?snapshot=810&snapshot=811"), true)

	check("Schedules", b.get("/schedules"), true)
	check("a refused schedule", b.post("/schedules", url.Values{"server_id": {"12346"}, "every": {"weekly"}, "time": {"25:00"}, "keep": {"9"}}), true)
	check("Activity", b.get("/activity"), true)
	check("the tray", b.hx(http.MethodGet, "/poll/tray", nil), false)
	check("a page that is not there", b.get("/no-such-page"), true)
	ts.sim.SetFault(simulator.Fault{Status: 500})
	check("VPS.org failing", b.get("/"), true)
	ts.sim.ClearFault()
}

// More of what the handler tests render, in Catalan: a card's poll, the
// sign-out page with jobs under way and what it says after, the page of a
// person whose roles limit them.
func TestCatalanFragmentsAndStates(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, testSetup{jobs: true})
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	b.post("/language", url.Values{"lang": {"ca"}, "back": {"/"}})
	check := func(what string, r response) {
		t.Helper()
		if r.Doc == nil {
			t.Errorf("%s: %d, nothing to read", what, r.StatusCode)
			return
		}
		if words := untranslated(r); len(words) > 0 {
			t.Errorf("%s says English words %v", what, words)
		}
	}
	form := newForm(b, "12348")
	form.Set("name", "seguida")
	b.post("/snapshots", form)
	home := b.get("/")
	check("the page with a snapshot in progress", home)
	url, _ := pollOf(home.Doc.Find("#server-12348-live"))
	if url == "" {
		t.Fatal("the card of a snapshot in progress does not poll")
	}
	check("a card's poll", b.hx(http.MethodGet, strings.TrimPrefix(url, ts.base)+"&full=1", nil))
	ask := b.post("/signout", nil)
	if ask.Doc == nil || ask.Doc.Find("ul.underway li").Length() != 1 {
		t.Fatalf("sign-out did not ask about the job under way: %d", ask.StatusCode)
	}
	check("the sign-out page with a job under way", ask)
	r := b.post("/signout", formFields(ask, `form[action$="/signout"]`))
	check("the page after signing out", b.follow(strings.TrimPrefix(r.Header.Get("Location"), ts.URL)))

	roles := newTestServer(t, trustLoopback, limitRoles)
	dev := append(asIn("dev@example.com", "dev"), "Accept-Language", "ca")
	d := signedInAs(t, roles, dev...)
	check("the page of someone who may not restore or delete", d.get("/", dev...))
	check("All snapshots for them", d.get("/fleet", dev...))
}

// The scripts' words come in a script of their own for each language, cached
// for a year under its hash and loaded before the scripts that say them; a
// page carries only its address, and an English page (the scripts' own
// words) not even that.
func TestScriptWordsAreACachedScript(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	scripts := func(r response) (srcs []string) {
		r.Doc.Find("head script[src]").Each(func(_ int, s *goquery.Selection) { srcs = append(srcs, s.AttrOr("src", "")) })
		return srcs
	}
	home := b.get("/", "Accept-Language", "ca")
	srcs := scripts(home)
	i := slices.IndexFunc(srcs, func(s string) bool { return strings.HasSuffix(s, "/words-ca.js") })
	j := slices.IndexFunc(srcs, func(s string) bool { return strings.HasSuffix(s, "/app.js") })
	if i < 0 || j < i {
		t.Fatalf("a Catalan page's scripts %v: no words-ca.js before app.js", srcs)
	}
	if _, ok := home.Doc.Find("html").Attr("data-words"); ok {
		t.Error("the page still carries the words itself")
	}
	words := b.get(srcs[i])
	if words.StatusCode != http.StatusOK || !strings.Contains(words.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(words.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("words-ca.js: %d, %q, %q", words.StatusCode, words.Header.Get("Content-Type"), words.Header.Get("Cache-Control"))
	}
	if !strings.Contains(words.Body, `"1 selected":"1 seleccionada"`) || !strings.HasPrefix(words.Body, "window.snapdashWords = {") {
		t.Errorf("words-ca.js says %q", words.Body)
	}
	for _, src := range scripts(b.get("/", "Accept-Language", "en")) {
		if strings.Contains(src, "words-") {
			t.Errorf("an English page loads %s", src)
		}
	}
}
