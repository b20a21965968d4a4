package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// buildOAuth2Proxy builds the oauth2-proxy pinned in e2e/sso/go.mod, once per run.
var buildOAuth2Proxy = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(buildDir, "oauth2-proxy")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/oauth2-proxy/oauth2-proxy/v7")
	cmd.Dir = "sso"
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build oauth2-proxy: %v\n%s", err, out)
	}
	return bin, nil
})

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProxy runs oauth2-proxy in front of upstream, signing people in with
// the mock OIDC provider. /poll/ is an API route: 401 instead of a redirect.
func startProxy(t *testing.T, upstream string, idp *mockoidc.MockOIDC) string {
	t.Helper()
	addr := freeAddr(t)
	startOAuth2Proxy(t, idp, addr,
		"--upstream="+upstream+"/",
		"--redirect-url=http://"+addr+"/oauth2/callback",
		"--pass-user-headers=true",
		"--api-route=^/poll/",
	)
	return "http://" + addr
}

// startOAuth2Proxy runs oauth2-proxy on addr against the mock OIDC provider,
// with args for the way it is deployed.
func startOAuth2Proxy(t *testing.T, idp *mockoidc.MockOIDC, addr string, args ...string) {
	t.Helper()
	cfg := idp.Config()
	runOAuth2Proxy(t, addr, append([]string{
		"--http-address=" + addr,
		"--provider=oidc",
		"--oidc-issuer-url=" + cfg.Issuer,
		"--client-id=" + cfg.ClientID,
		"--client-secret=" + cfg.ClientSecret,
		"--cookie-secret=0123456789abcdef0123456789abcdef",
		"--cookie-secure=false",
		"--email-domain=*",
		"--skip-provider-button=true",
		"--code-challenge-method=S256",
	}, args...))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ssoApp is Snapdash trusting loopback as its proxy, and a mock OIDC provider;
// with restoreGroups, only their members may restore.
func ssoApp(t *testing.T, restoreGroups ...string) (*app, *mockoidc.MockOIDC) {
	t.Helper()
	a := startAppWith(t, appOptions{
		snapshotDelay:  time.Minute,
		trustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		restoreGroups:  restoreGroups,
	})
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	return a, idp
}

// ssoTab is a browser that only ever talks to site, the proxy in front of a.
// It signs in through the SSO, sees its identity, signs in to Snapdash and
// creates a snapshot named name, which the page attributes to it.
func ssoTab(t *testing.T, a *app, site, name string) *tab {
	t.Helper()
	who := mockoidc.DefaultUser().Email
	tb := newTab(t, a)
	tb.app = &app{URL: site, sim: a.sim}
	tb.allow(`status of 401`)
	tb.allow(`Response Status Error Code 401`)
	tb.do(chromedp.Navigate(site + "/"))
	tb.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	if got := tb.text("header .who"); !strings.Contains(got, who) {
		t.Fatalf("header bar shows %q, want %s", got, who)
	}
	tb.signIn()
	tb.openCreate("12348")
	tb.submitCreate("12348", name)
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("#server-12348 tr.snapshot .badge.in_progress")))
	if by := tb.text("#server-12348 tr.snapshot .by"); !strings.Contains(by, "created by "+who) {
		t.Errorf("row says %q", by)
	}
	return tb
}

// expireSSO ends the SSO session while the page polls: the proxy answers the
// next poll with 401, and the page must reload through the sign-in and come
// back to itself.
func expireSSO(t *testing.T, tb *tab, site string) {
	t.Helper()
	tb.eval(`window.notReloaded = "yes"`)
	if _, err := chromedp.Call(tb.ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "_oauth2_proxy", URL: site}); err != nil {
		t.Fatal(err)
	}
	tb.untilAfterNavigation(20*time.Second, `window.notReloaded !== "yes" && !!document.querySelector("#server-12348 .snap-name")`)
	if loc := tb.location(); loc != "/" { // relative to site
		t.Errorf("after the reload the browser is at %q, want back on the page", loc)
	}
}

// TestBehindOAuth2Proxy: a person signs in through oauth2-proxy and a mock
// OIDC provider, sees their identity, creates a snapshot and is named in the
// activity; an expired SSO session during polling reloads the page through
// the proxy; an identity header forged straight to Snapdash is not believed.
func TestBehindOAuth2Proxy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds oauth2-proxy")
	}
	a, idp := ssoApp(t)
	proxy := startProxy(t, a.URL, idp)
	who := mockoidc.DefaultUser().Email
	tb := ssoTab(t, a, proxy, "through-sso")
	expireSSO(t, tb, proxy)

	tb.do(chromedp.Navigate(proxy + "/activity"))
	tb.wait(10*time.Second, chromedp.WaitVisible(chromedp.CSS("tr.record")))
	if got := tb.text("tr.record .who"); got != who {
		t.Errorf("activity names %q, want %s", got, who)
	}

	// Straight to Snapdash from an address it does not trust, with a forged header.
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, a.URL+"/signin", nil)
	req.Header.Set("X-Forwarded-Email", "ceo@example.com")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("request from 127.0.0.2: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "ceo@example.com") {
		t.Error("a forged identity header from an untrusted address was believed")
	}
}

// behindGroupsProxy runs Snapdash with o (trusting loopback, snapshots
// taking a minute) behind oauth2-proxy, which passes the mock OIDC
// provider's groups as X-Forwarded-Groups; it returns the proxy's address.
func behindGroupsProxy(t *testing.T, o appOptions) (*app, *mockoidc.MockOIDC, string) {
	t.Helper()
	o.snapshotDelay = time.Minute
	o.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	a := startAppWith(t, o)
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	addr := freeAddr(t)
	startOAuth2Proxy(t, idp, addr,
		"--upstream="+a.URL+"/",
		"--redirect-url=http://"+addr+"/oauth2/callback",
		"--pass-user-headers=true",
		"--api-route=^/poll/",
		"--scope=openid email profile groups", // the provider's groups claim, passed as X-Forwarded-Groups
	)
	return a, idp, "http://" + addr
}

// TestRolesThroughOAuth2Proxy: the groups of the OIDC users reach Snapdash in
// oauth2-proxy's X-Forwarded-Groups. A member of the restore group restores;
// a user of other groups sees no Restore, and a restore POST through the
// proxy is refused (403) with nothing sent to VPS.org.
func TestRolesThroughOAuth2Proxy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds oauth2-proxy")
	}
	a, idp, proxy := behindGroupsProxy(t, appOptions{restoreGroups: []string{"ops"}})

	// The default user is in engineering and design.
	tb := newTab(t, a)
	tb.app = &app{URL: proxy, sim: a.sim}
	tb.do(chromedp.Navigate(proxy + "/"))
	tb.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.signIn()
	if tb.count(`#server-12345 a[href*="/restore"]`) != 0 {
		t.Error("a user outside ops sees Restore")
	}
	if why := tb.text("#roles-notice"); !strings.Contains(why, "Restores are limited to the ops group.") {
		t.Errorf("the card says %q", why)
	}
	if got := tb.text("header .who"); !strings.Contains(got, "engineering") {
		t.Errorf("the header does not show the groups: %q", got)
	}
	a.sim.ResetCalls()
	tb.allow(`status of 403`)
	status := tb.eval(`(() => {
		const body = new URLSearchParams({_csrf: document.querySelector("input[name=_csrf]").value, confirm_name: "web-server-01",
			form_id: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"});
		const x = new XMLHttpRequest();
		x.open("POST", "/snapshots/801/restore?server_id=12345", false);
		x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
		x.send(body.toString());
		return String(x.status);
	})()`)
	if status != "403" {
		t.Errorf("a restore POST by a user outside ops: %s", status)
	}
	// Recording the refusal reads the servers (whose is it?); nothing else is asked.
	if n := a.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}

	// A member of ops, in a browser of their own.
	idp.QueueUser(&mockoidc.MockUser{Subject: "olga", Email: "olga@example.com", EmailVerified: true, PreferredUsername: "olga", Groups: []string{"ops"}})
	ops := newTab(t, a)
	ops.app = &app{URL: proxy, sim: a.sim}
	ops.do(chromedp.Navigate(proxy + "/"))
	ops.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	ops.signIn()
	ops.openConfirm("801", "restore")
	ops.withoutSafety()
	ops.do(
		chromedp.SendKeys(chromedp.CSS("#confirm-name"), "web-server-01"),
		chromedp.Click(chromedp.CSS("dialog[open] button[type=submit]")),
	)
	ops.until(10*time.Second, `document.querySelector("#server-12345 [data-testid=server-status]").textContent === "restoring"`)
}

// TestMakingRoomNeedsTheDeleteRoleThroughOAuth2Proxy: a member of the
// restore group outside the delete group, signed in through oauth2-proxy,
// is offered no snapshot to delete to make room for a safety snapshot, is
// told why, and a forged free_slot through the proxy is refused with
// nothing changed at VPS.org.
func TestMakingRoomNeedsTheDeleteRoleThroughOAuth2Proxy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds oauth2-proxy")
	}
	a, idp, proxy := behindGroupsProxy(t, appOptions{restoreGroups: []string{"ops"}, deleteGroups: []string{"admins"}, jobs: true})
	idp.QueueUser(&mockoidc.MockUser{Subject: "olga", Email: "olga@example.com", EmailVerified: true, PreferredUsername: "olga", Groups: []string{"ops"}})
	ops := newTab(t, a)
	ops.app = &app{URL: proxy, sim: a.sim}
	ops.do(chromedp.Navigate(proxy + "/"))
	ops.wait(30*time.Second, chromedp.WaitVisible(chromedp.CSS("#token")))
	ops.signIn()
	ops.openConfirm("810", "restore") // staging-01 holds 5 of 5
	if n := ops.count(`dialog[open] input[name=free_slot]:not([value=none])`); n != 0 {
		t.Errorf("a member of ops outside admins is offered %d snapshots to delete first", n)
	}
	if hint := ops.text("dialog[open] #free-slot-hint"); !strings.Contains(hint, "Deletes and unpins are limited to the admins group.") {
		t.Errorf("the dialog says %q", hint)
	}
	a.sim.ResetCalls()
	ops.allow(`status of 403`)
	status := ops.eval(`(() => {
		const body = new URLSearchParams({_csrf: document.querySelector("input[name=_csrf]").value, confirm_name: "staging-01",
			form_id: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", safety_offered: "1", free_slot: "811"});
		const x = new XMLHttpRequest();
		x.open("POST", "/snapshots/810/restore?server_id=12347", false);
		x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
		x.send(body.toString());
		return String(x.status);
	})()`)
	if status != "403" {
		t.Errorf("a forged free_slot through the proxy: %s", status)
	}
	if n := a.sim.ChangingCalls(); n != 0 {
		t.Errorf("%d changing calls reached VPS.org", n)
	}
}
