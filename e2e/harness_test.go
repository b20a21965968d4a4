package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/internal/wait"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
	"github.com/snapdash/snapdash/web"
)

// chromium is the browser binary, found once in TestMain; buildDir holds the
// binaries the tests build, removed when they end.
var chromium, buildDir string

func TestMain(m *testing.M) {
	for _, p := range []string{os.Getenv("SNAPDASH_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			chromium = path
			break
		}
	}
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "e2e: no chromium found and CI=true: the browser suite must run (make deps installs it)")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "e2e: SKIPPING the browser suite: no chromium on PATH (apt-get install chromium, or run make deps)")
	}
	dir, err := os.MkdirTemp("", "snapdash-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// app is Snapdash on a fresh simulator, over real HTTP, counting the
// requests the browser makes.
type app struct {
	URL      string
	sim      *simulator.Simulator
	requests atomic.Int64
	mu       sync.Mutex
	paths    []string
	answers  []string // each request's method, address and status
}

// appOptions vary the app for a test.
type appOptions struct {
	snapshotDelay  time.Duration  // default 3 s
	trustedProxies []netip.Prefix // peers whose identity header is believed
	basePath       string         // e.g. "/snapdash/"; default "/"
	jobs           bool           // run River jobs: follow actions, restores with a safety snapshot
	restoreDelay   time.Duration  // default 4 s
	restoreGroups  []string       // SSO groups whose members alone may restore
	deleteGroups   []string       // SSO groups whose members alone may delete
}

func startApp(t *testing.T) *app { return startAppWith(t, appOptions{}) }

func startAppWith(t *testing.T, o appOptions) *app {
	t.Helper()
	if chromium == "" {
		t.Skip("no chromium")
	}
	if o.snapshotDelay == 0 {
		o.snapshotDelay = 3 * time.Second
	}
	if o.restoreDelay == 0 {
		o.restoreDelay = 4 * time.Second
	}
	sim := simulator.New(simulator.Options{SnapshotDelay: o.snapshotDelay, RestoreDelay: o.restoreDelay})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	api, err := vpsapi.New(upstream.URL, vpsapi.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite(t)
	keys := [][]byte{bytes.Repeat([]byte("k"), 32), bytes.Repeat([]byte("e"), 32)}
	so := servicestest.Options{Keys: keys, Log: log, Work: o.jobs, Roles: dashboard.Roles{Restore: o.restoreGroups, Delete: o.deleteGroups}}
	if o.jobs {
		so.Schedule.Automation = simulator.DemoAutomationToken
		so.Schedule.Tick = time.Minute
	}
	svc := servicestest.New(t, db, api, so)
	h, err := web.New(web.Config{
		SessionKeys: keys,
		Simulator:   true, DemoToken: simulator.DemoToken, SignInPerMinute: 600,
		TrustedProxies: o.trustedProxies, BasePath: o.basePath,
	}, web.Deps{API: api, Sessions: db.Sessions(), Services: svc, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{sim: sim}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		a.mu.Lock()
		a.paths = append(a.paths, r.Method+" "+r.URL.Path)
		a.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		// What was asked and answered, for a test whose browser met an error.
		said := fmt.Sprintf("%s %s %d", r.Method, r.URL.RequestURI(), sw.status)
		if r.Method == http.MethodPost && r.PostForm != nil {
			said += fmt.Sprintf(" name=%q form_id=%q hx=%q", r.PostForm.Get("name"), r.PostForm.Get("form_id"), r.Header.Get("HX-Request"))
		}
		a.mu.Lock()
		a.answers = append(a.answers, said)
		a.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// tab is one fresh browser (its own profile) on one page.
type tab struct {
	t   *testing.T
	app *app
	ctx context.Context

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	allowed  []*regexp.Regexp // console messages a flow expects
}

type tabOption func(*tab)

// phone makes the tab a 390 px wide touch screen.
func phone(tb *tab) {
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// dark asks for the dark theme, as a system set to it would.
func dark(tb *tab) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		tb.t.Fatal(err)
	}
}

// newTab starts a browser with a fresh profile. Every console error or
// exception, CSP violations among them, fails the test at its end.
func newTab(t *testing.T, a *app, opts ...tabOption) *tab {
	t.Helper()
	alloc := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), alloc...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	tb := &tab{t: t, app: a, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancelTime()
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.messages = append(tb.messages, m)
			tb.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		<-done
		tb.checkConsole()
	})
	for _, o := range opts {
		o(tb)
	}
	return tb
}

// allow lets console messages matching re pass, for a flow that provokes them.
func (tb *tab) allow(re string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed = append(tb.allowed, regexp.MustCompile(re))
}

func (tb *tab) checkConsole() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
next:
	for _, m := range tb.messages {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException &&
			!strings.Contains(m.Text, "Content Security Policy") {
			continue
		}
		for _, re := range tb.allowed {
			if re.MatchString(m.Text) {
				continue next
			}
		}
		tb.t.Errorf("browser console: %s (%s)", m, m.URL)
		if tb.app != nil {
			tb.app.mu.Lock()
			tb.t.Logf("the requests, in order:\n%s", strings.Join(tb.app.answers, "\n"))
			tb.app.mu.Unlock()
		}
	}
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// wait runs steps with a shorter deadline, so a missing element fails fast.
func (tb *tab) wait(d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			html, _ := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			tb.t.Fatalf("browser: gave up after %s; the page shows:\n%s", d, html)
		}
		tb.t.Fatalf("browser: %v", err)
	}
}

// until waits for a JavaScript expression to become true.
func (tb *tab) until(d time.Duration, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		html, _ := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		tb.t.Fatalf("browser: %s did not become true (%v); the page shows:\n%s", js, err, html)
	}
}

// untilAfterNavigation is until for a condition reached through a page load,
// which aborts a running chromedp.Poll: it asks again until d has passed.
func (tb *tab) untilAfterNavigation(d time.Duration, js string) {
	tb.t.Helper()
	if !wait.Within(d, func() bool {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	}) {
		tb.t.Fatalf("browser: %s did not become true within %s", js, d)
	}
}

// text is the visible text of the first element sel finds, once one is shown.
// It is read in one evaluation: chromedp.Text finds the node and reads it in two
// round trips, and a poll's swap in between detached it ("No node with given id").
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	q := quote(sel)
	tb.until(10*time.Second, `(e => !!e && e.getClientRects().length > 0)(document.querySelector(`+q+`))`)
	return strings.TrimSpace(tb.eval(`(e => e ? Array.from(e.childNodes).filter(n => n.offsetParent !== null).map(n => n.textContent).join("") : "")(document.querySelector(` + q + `))`))
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

func (tb *tab) count(sel string) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatal(err)
	}
	return n
}

func (tb *tab) location() string {
	tb.t.Helper()
	u, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(u, tb.app.URL)
}

// noScript turns JavaScript off for this tab.
func (tb *tab) noScript() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		tb.t.Fatal(err)
	}
}

// signIn signs in with the demo token from the sign-in page.
func (tb *tab) signIn() {
	tb.t.Helper()
	tb.signInWith(simulator.DemoToken)
}

func (tb *tab) signInWith(token string) {
	tb.t.Helper()
	tb.do(
		chromedp.Navigate(tb.app.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Submit(chromedp.CSS("#token")),
	)
	tb.wait(15*time.Second, chromedp.WaitVisible(chromedp.CSS("section.server")))
}

// openCreate opens the server's create form in its card, as a click on "New snapshot" does.
func (tb *tab) openCreate(server string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(`#server-` + server + ` a[href*="/snapshots/new"]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#create-"+server+" input[name=name]")))
}

// submitCreate puts name in the server's open create form, replacing what it
// held, and submits it.
func (tb *tab) submitCreate(server, name string) {
	tb.t.Helper()
	tb.do(
		chromedp.Clear(chromedp.CSS("#create-"+server+" input[name=name]")),
		chromedp.SendKeys(chromedp.CSS("#create-"+server+" input[name=name]"), name),
		chromedp.Click(chromedp.CSS("#create-"+server+" button[type=submit]")),
	)
}

// openConfirm clicks a snapshot's Restore or Delete ("restore", "delete") and
// waits for its confirmation dialog.
func (tb *tab) openConfirm(snapshot, action string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(`#snapshot-` + snapshot + ` a[href*="/` + action + `"]`)))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("dialog[open] button[type=submit]")))
}

// withoutSafety unticks the open restore form's "Snapshot the current
// state first", as a person restoring at once does (the box is ticked by
// default whenever there is room for it).
func (tb *tab) withoutSafety() {
	tb.t.Helper()
	tb.eval(`(() => { const b = document.querySelector("#safety"); if (b && b.checked) b.click(); return "ok" })()`)
}

// screenshot writes a PNG of the whole page to the screenshot folder.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	dir := screenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// screenshotDir is SNAPDASH_SCREENSHOTS, or e2e/out/screenshots.
func screenshotDir() string {
	if d := os.Getenv("SNAPDASH_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join("out", "screenshots")
}
