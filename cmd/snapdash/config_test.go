package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8080" || c.APIURL != "" || c.BasePath != "/" || c.DatabaseURL != "" || !strings.HasSuffix(c.DataDir, "snapdash") ||
		c.UserHeader != "X-Forwarded-Email" || c.UpstreamTimeout != 10*time.Second || c.LogLevel != "info" ||
		c.CoalesceWindow != time.Second || c.RequireIdentity || c.DebugListen != "" {
		t.Errorf("defaults: %+v", c)
	}
	if c.retention != 400*24*time.Hour {
		t.Errorf("activity retention %s, want 400 days", c.retention)
	}
	if !c.randomKeys || len(c.keyPairs) != 2 {
		t.Error("no keys configured should give one random pair")
	}
}

func TestConfigFlagsOverrideEnv(t *testing.T) {
	c, err := parseConfig([]string{"--listen", "127.0.0.1:9999", "--upstream-timeout", "3s"},
		env(map[string]string{"SNAPDASH_LISTEN": ":7000", "SNAPDASH_UPSTREAM_TIMEOUT": "5s", "SNAPDASH_BASE_PATH": "/snapdash"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.UpstreamTimeout != 3*time.Second || c.BasePath != "/snapdash/" {
		t.Errorf("got listen %q timeout %s base %q", c.Listen, c.UpstreamTimeout, c.BasePath)
	}
}

func TestCoalescingCanBeTurnedOff(t *testing.T) {
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_COALESCE_WINDOW": "0"}), io.Discard)
	if err != nil || c.CoalesceWindow != 0 {
		t.Errorf("SNAPDASH_COALESCE_WINDOW=0: %v, window %v", err, c)
	}
}

func TestConfigKeysAndRotation(t *testing.T) {
	k1, k2 := strings.Repeat("a", 32), strings.Repeat("b", 40)
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_SESSION_KEYS": k1 + "," + k2}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.randomKeys || len(c.keyPairs) != 4 {
		t.Fatalf("two secrets gave %d keys", len(c.keyPairs))
	}
	c2, _ := parseConfig(nil, env(map[string]string{"SNAPDASH_SESSION_KEYS": k2}), io.Discard)
	if string(c2.keyPairs[0]) != string(c.keyPairs[2]) {
		t.Error("the same secret does not derive the same keys")
	}
}

func TestConfigSecretFromFile(t *testing.T) {
	f := t.TempDir() + "/keys"
	if err := writeFile(f, strings.Repeat("k", 48)+"\n"); err != nil {
		t.Fatal(err)
	}
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_SESSION_KEYS_FILE": f}), io.Discard)
	if err != nil || c.randomKeys {
		t.Fatalf("keys from file: %v, random %v", err, c != nil && c.randomKeys)
	}
}

// The automation token is read once from its file, trimmed; a file holding
// two tokens is refused, and the token is not in the error.
func TestAutomationTokenFromFile(t *testing.T) {
	f := t.TempDir() + "/automation"
	if err := writeFile(f, "tok_automation_1234567890\n"); err != nil {
		t.Fatal(err)
	}
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_AUTOMATION_TOKEN_FILE": f}), io.Discard)
	if err != nil || c.Automation != "tok_automation_1234567890" {
		t.Fatalf("token from file: %q, %v", c.Automation, err)
	}
	if err := writeFile(f, "tok_one_1234567890 tok_two_1234567890\n"); err != nil {
		t.Fatal(err)
	}
	_, err = parseConfig(nil, env(map[string]string{"SNAPDASH_AUTOMATION_TOKEN_FILE": f}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SNAPDASH_AUTOMATION_TOKEN_FILE") || strings.Contains(err.Error(), "tok_") {
		t.Errorf("two tokens in the file: %v", err)
	}
}

func TestBadConfigNamesTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"SNAPDASH_LISTEN": "nonsense"}, "SNAPDASH_LISTEN"},
		{map[string]string{"SNAPDASH_API_URL": "admin.vps.org"}, "SNAPDASH_API_URL"},
		{map[string]string{"SNAPDASH_BASE_PATH": "snapdash"}, "SNAPDASH_BASE_PATH"},
		{map[string]string{"SNAPDASH_SESSION_KEYS": "short"}, "SNAPDASH_SESSION_KEYS"},
		{map[string]string{"SNAPDASH_DATABASE_URL": "mysql://db/snapdash"}, "SNAPDASH_DATABASE_URL"},
		{map[string]string{"SNAPDASH_ACTIVITY_RETENTION": "forever"}, "SNAPDASH_ACTIVITY_RETENTION"},
		{map[string]string{"SNAPDASH_ACTIVITY_RETENTION": "1h"}, "SNAPDASH_ACTIVITY_RETENTION"},
		{map[string]string{"SNAPDASH_SESSION_STORE": "redis"}, "SNAPDASH_SESSION_STORE is no longer read: sessions live in the database"},
		{map[string]string{"SNAPDASH_SESSION_DIR": "/var/lib/x"}, "SNAPDASH_SESSION_DIR is no longer read"},
		{map[string]string{"SNAPDASH_REDIS_URL": "redis://redis:6379/0"}, "SNAPDASH_REDIS_URL is no longer read: replicas share state through PostgreSQL"},
		{map[string]string{"SNAPDASH_REQUIRE_IDENTITY": "yes please"}, "SNAPDASH_REQUIRE_IDENTITY"},
		{map[string]string{"SNAPDASH_REQUIRE_IDENTITY": "true"}, "SNAPDASH_TRUSTED_PROXIES"},
		{map[string]string{"SNAPDASH_DEBUG_LISTEN": ":6060"}, "SNAPDASH_DEBUG_LISTEN"},
		{map[string]string{"SNAPDASH_DEBUG_LISTEN": "0.0.0.0:6060"}, "SNAPDASH_DEBUG_LISTEN"},
		{map[string]string{"SNAPDASH_COALESCE_WINDOW": "-1s"}, "SNAPDASH_COALESCE_WINDOW"},
		{map[string]string{"SNAPDASH_TRUSTED_PROXIES": "10.0.0.0/33"}, "SNAPDASH_TRUSTED_PROXIES"},
		{map[string]string{"SNAPDASH_USER_HEADER": "X Bad"}, "SNAPDASH_USER_HEADER"},
		{map[string]string{"SNAPDASH_UPSTREAM_TIMEOUT": "ten"}, "SNAPDASH_UPSTREAM_TIMEOUT"},
		{map[string]string{"SNAPDASH_LOG_FORMAT": "xml"}, "SNAPDASH_LOG_FORMAT"},
		{map[string]string{"SNAPDASH_LOG_LEVEL": "loud"}, "SNAPDASH_LOG_LEVEL"},
		{map[string]string{"SNAPDASH_SESSION_KEYS_FILE": "/nonexistent/keys"}, "SNAPDASH_SESSION_KEYS_FILE"},
		{map[string]string{"SNAPDASH_FOLLOW_LIMIT": "10s"}, "SNAPDASH_FOLLOW_LIMIT"},
		{map[string]string{"SNAPDASH_RESTORE_GROUPS": "ops"}, "SNAPDASH_TRUSTED_PROXIES"},
		{map[string]string{"SNAPDASH_SCHEDULE_GROUPS": "ops"}, "SNAPDASH_TRUSTED_PROXIES"},
		{map[string]string{"SNAPDASH_AUTOMATION_TOKEN_FILE": "/nonexistent/token"}, "SNAPDASH_AUTOMATION_TOKEN_FILE"},
		{map[string]string{"SNAPDASH_GROUPS_HEADER": "X Groups"}, "SNAPDASH_GROUPS_HEADER"},
		{map[string]string{"SNAPDASH_NOTIFY_WEBHOOK_URL": "hooks.slack.com/services/T0/B0/secret"}, "SNAPDASH_NOTIFY_WEBHOOK_URL"},
		{map[string]string{"SNAPDASH_PUBLIC_URL": "snapdash.example.com"}, "SNAPDASH_PUBLIC_URL"},
	} {
		_, err := parseConfig(nil, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line naming %s", tc.env, err, tc.name)
		}
	}
}

func TestTrustedProxiesParsed(t *testing.T) {
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ,::1"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.proxies) != 3 || c.proxies[1].String() != "127.0.0.1/32" {
		t.Errorf("proxies %v", c.proxies)
	}
}

// A webhook address may hold a secret: a bad one is named, never repeated.
func TestBadWebhookIsNotRepeated(t *testing.T) {
	_, err := parseConfig(nil, env(map[string]string{"SNAPDASH_NOTIFY_WEBHOOK_URL": "ftp://hooks.example/secret-part"}), io.Discard)
	if err == nil || strings.Contains(err.Error(), "secret-part") {
		t.Errorf("error %v", err)
	}
	c, err := parseConfig(nil, env(map[string]string{"SNAPDASH_PUBLIC_URL": "https://snapdash.example.com/team"}), io.Discard)
	if err != nil || c.PublicURL != "https://snapdash.example.com/team/" {
		t.Errorf("public URL %q, %v", c.PublicURL, err)
	}
}
