package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

var composeProxyCommand = regexp.MustCompile(`(?s)\n  oauth2-proxy:\n.*?\n    command:\n((?:      - [^\n]*\n)+)`)

// replace swaps each documented address for this test's, failing when one is
// no longer in the example: the test must run the example, not drift from it.
func replace(t *testing.T, what, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("%s no longer contains %q: update this test with it", what, pairs[i])
		}
		text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
	}
	return text
}

// TestComposeExample runs docs/compose.yaml's set-up as written, with only
// addresses, ports and secret files changed: oauth2-proxy with its flags
// from the file, nginx with docs/compose-nginx.conf, two Snapdash replicas
// on one PostgreSQL. A person signs in through it all and both replicas
// answer them.
func TestComposeExample(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	if chromium == "" {
		t.Skip("no chromium")
	}
	compose, err := os.ReadFile("../docs/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SNAPDASH_TRUSTED_PROXIES: 172.28.0.11/32", `SNAPDASH_REQUIRE_IDENTITY: "true"`, "ipv4_address: 172.28.0.11", "./compose-nginx.conf:/etc/nginx/conf.d/default.conf"} {
		if !strings.Contains(string(compose), want) {
			t.Fatalf("docs/compose.yaml no longer says %q: update this test", want)
		}
	}

	pg := pgtest.Start(t)
	sim := simulator.New(simulator.Options{SnapshotDelay: time.Hour})
	upstream := httptest.NewServer(sim)
	t.Cleanup(upstream.Close)
	simURL := upstream.URL
	asCompose := []string{"SNAPDASH_TRUSTED_PROXIES=127.0.0.1/32", "SNAPDASH_REQUIRE_IDENTITY=true"}
	a := startReplicaKeys(t, simURL, pg.URL, "compose-test-key-compose-test-key-0001", asCompose...)
	b := startReplicaKeys(t, simURL, pg.URL, "compose-test-key-compose-test-key-0001", asCompose...)

	// nginx, as docs/compose-nginx.conf gives it.
	lbAddr := freeAddr(t)
	conf, err := os.ReadFile("../docs/compose-nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	startNginx(t, replace(t, "docs/compose-nginx.conf", string(conf),
		"listen 8080;", "listen "+lbAddr+";",
		"server snapdash-1:8080;", "server "+strings.TrimPrefix(a.URL, "http://")+";",
		"server snapdash-2:8080;", "server "+strings.TrimPrefix(b.URL, "http://")+";",
	))

	// oauth2-proxy, with the flags of docs/compose.yaml.
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	cfg := idp.Config()
	secrets := t.TempDir()
	clientSecret, cookieSecret := filepath.Join(secrets, "oidc_client_secret"), filepath.Join(secrets, "cookie_secret")
	_ = os.WriteFile(clientSecret, []byte(cfg.ClientSecret), 0o600)
	_ = os.WriteFile(cookieSecret, []byte("0123456789abcdef0123456789abcdef"), 0o600)
	proxyAddr := freeAddr(t)
	m := composeProxyCommand.FindSubmatch(compose)
	if m == nil {
		t.Fatal("docs/compose.yaml has no oauth2-proxy command")
	}
	command := replace(t, "docs/compose.yaml's oauth2-proxy command", string(m[1]),
		"--http-address=0.0.0.0:4180", "--http-address="+proxyAddr,
		"--upstream=http://lb:8080/", "--upstream=http://"+lbAddr+"/",
		"--oidc-issuer-url=https://login.example.com/realms/example", "--oidc-issuer-url="+cfg.Issuer,
		"--client-id=snapdash", "--client-id="+cfg.ClientID,
		"--client-secret-file=/run/secrets/oidc_client_secret", "--client-secret-file="+clientSecret,
		"--cookie-secret-file=/run/secrets/oauth2_proxy_cookie_secret", "--cookie-secret-file="+cookieSecret,
		"--redirect-url=http://localhost:4180/oauth2/callback", "--redirect-url=http://"+proxyAddr+"/oauth2/callback",
	)
	var args []string
	for _, line := range strings.Split(command, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- ")); arg != "" {
			args = append(args, arg)
		}
	}
	runOAuth2Proxy(t, proxyAddr, args)

	// A person signs in through it all, is named, and acts.
	site := "http://" + proxyAddr
	ssoTab(t, &app{URL: site, sim: sim}, site, "via-compose")
	for _, r := range []*replica{a, b} {
		resp, err := http.Get(r.Metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		served := 0
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "snapdash_http_requests_total{") && !strings.Contains(line, `route="/healthz"`) {
				served++
			}
		}
		if served == 0 {
			t.Errorf("replica %s answered nothing through nginx: it did not spread the requests", r.URL)
		}
	}
}

// runOAuth2Proxy runs the pinned oauth2-proxy with exactly args.
func runOAuth2Proxy(t *testing.T, addr string, args []string) {
	t.Helper()
	bin, err := buildOAuth2Proxy()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	logs := &strings.Builder{}
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("oauth2-proxy log:\n%s", logs.String())
			mu.Unlock()
		}
	})
	for range 100 {
		if resp, err := http.Get("http://" + addr + "/ping"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Fatalf("oauth2-proxy did not start:\n%s", logs.String())
}
