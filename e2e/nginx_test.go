package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

var (
	nginxBlock  = regexp.MustCompile("(?s)```nginx\n(.*?)```")
	restoreLink = regexp.MustCompile(`/snapshots/\d+/restore`)
)

// nginxFromDocs is the nginx example of docs/deployment.md, pointed at this
// test's processes. Only addresses change, and each must be found, so the
// test fails when the example drifts rather than testing something else.
func nginxFromDocs(t *testing.T, listen, oauth2Proxy, snapdash string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/deployment.md")
	if err != nil {
		t.Fatal(err)
	}
	m := nginxBlock.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/deployment.md has no nginx example")
	}
	conf := string(m[1])
	for _, r := range []struct{ old, new string }{
		{"listen 443 ssl;", "listen " + listen + ";"},
		{"http://oauth2-proxy:4180", "http://" + oauth2Proxy},
		{"http://snapdash:8080", "http://" + snapdash},
		// The test listens on a random port, which $host leaves out.
		{"rd=$scheme://$host$request_uri", "rd=$scheme://$http_host$request_uri"},
	} {
		if !strings.Contains(conf, r.old) {
			t.Fatalf("the nginx example no longer contains %q: update this test with it", r.old)
		}
		conf = strings.ReplaceAll(conf, r.old, r.new)
	}
	return conf
}

// startNginx runs nginx with server (one server block) on its own files.
func startNginx(t *testing.T, server string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin, err = exec.LookPath("/usr/sbin/nginx") // not on a non-root PATH
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is missing and CI=true (make deps installs it)")
		}
		t.Skip("SKIPPING: no nginx on PATH (apt-get install nginx-light, or make deps)")
	}
	dir := t.TempDir()
	// Workers may run as another user when the test runs as root.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	conf := `daemon off;
worker_processes 1;
pid ` + dir + `/nginx.pid;
error_log ` + dir + `/error.log info;
events {}
http {
    access_log off;
    client_body_temp_path ` + dir + `/body;
    proxy_temp_path ` + dir + `/proxy;
` + server + `
}
`
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", dir, "-c", path).CombinedOutput(); err != nil {
		t.Fatalf("nginx rejects the documented configuration: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "error.log")); err == nil {
				t.Logf("nginx error log:\n%s", b)
			}
		}
	})
}

// TestBehindNginxAuthRequest runs the nginx example of docs/deployment.md with
// oauth2-proxy answering auth_request: a person signs in through it and is
// named; an identity header the browser sends is replaced by nginx; an
// expired SSO session makes the polling page reload and sign in again.
func TestBehindNginxAuthRequest(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds oauth2-proxy and runs nginx")
	}
	a, idp := ssoApp(t, "ops")
	front, auth := freeAddr(t), freeAddr(t)
	startOAuth2Proxy(t, idp, auth,
		"--upstream=static://202",
		"--redirect-url=http://"+front+"/oauth2/callback",
		"--reverse-proxy=true",
		"--trusted-proxy-ip=127.0.0.1/32",
		"--set-xauthrequest=true",
		"--whitelist-domain=127.0.0.1:*",
	)
	startNginx(t, nginxFromDocs(t, front, auth, strings.TrimPrefix(a.URL, "http://")))
	site := "http://" + front
	who := mockoidc.DefaultUser().Email

	tb := ssoTab(t, a, site, "through-nginx")

	// With the person's own cookies, a forged identity header is replaced by nginx.
	got, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	cookies := got.Cookies
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, site+"/", nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	req.Header.Set("X-Forwarded-Email", "ceo@example.com")
	req.Header.Set("X-Forwarded-Groups", "ops") // restores are limited to ops
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "ceo@example.com") || !strings.Contains(string(body), who) {
		t.Errorf("forged headers through nginx: status %d, page names ceo: %v, names %s: %v",
			resp.StatusCode, strings.Contains(string(body), "ceo@example.com"), who, strings.Contains(string(body), who))
	}
	if restoreLink.Match(body) || !strings.Contains(string(body), "Restores are limited to the ops group.") {
		t.Error("a forged X-Forwarded-Groups through nginx gave its sender the restore role")
	}

	// Under /poll/ nginx answers 401 rather than redirecting to the sign-in.
	expireSSO(t, tb, site)
}
