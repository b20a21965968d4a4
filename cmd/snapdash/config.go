package main

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/snapdash/snapdash/internal/services/follow"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/web"
)

// config is everything Snapdash reads at start, from flags and the environment.
type config struct {
	Listen          string
	APIURL          string
	BasePath        string
	SessionKeys     string
	DatabaseURL     string
	DataDir         string
	Retention       string
	MaxAge          string
	Price           string
	Currency        string
	TrustedProxies  string
	UserHeader      string
	GroupsHeader    string
	RestoreGroups   string
	DeleteGroups    string
	ScheduleGroups  string
	MaxFailures     string
	Automation      string
	RequireIdentity bool
	UpstreamTimeout time.Duration
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	LogFormat       string
	LogLevel        string
	SimSnapshot     time.Duration
	SimRestore      time.Duration
	SimLatency      time.Duration
	SimFail         string
	CoalesceWindow  time.Duration
	FollowLimit     time.Duration
	DebugListen     string
	MetricsListen   string
	CookieSecure    string
	NotifyWebhook   string
	Language        string
	PublicURL       string

	// Parsed by validate.
	retention   time.Duration
	maxAge      time.Duration
	price       float64
	maxFailures int
	keyPairs    [][]byte
	randomKeys  bool
	proxies     []netip.Prefix
	level       slog.Level
}

// option ties a flag to its environment variable.
type option struct {
	flag, env, usage string
	secret           bool // also read from $ENV_FILE / --flag-file
}

// parseConfig reads flags over environment over defaults, then validates.
// An error names the variable (or flag) at fault in one line.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("snapdash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strs := []struct {
		o   option
		dst *string
		def string
	}{
		{option{"listen", "SNAPDASH_LISTEN", "listen address", false}, &c.Listen, ":8080"},
		{option{"api-url", "SNAPDASH_API_URL", "VPS.org API base URL; empty runs the embedded simulator", false}, &c.APIURL, ""},
		{option{"base-path", "SNAPDASH_BASE_PATH", "URL prefix when mounted below a path by the proxy", false}, &c.BasePath, "/"},
		{option{"session-keys", "SNAPDASH_SESSION_KEYS", "comma-separated session secrets (32+ characters each), newest first", true}, &c.SessionKeys, ""},
		{option{"database-url", "SNAPDASH_DATABASE_URL", "postgres:// URL when replicas share state; empty: SQLite in the data directory", true}, &c.DatabaseURL, ""},
		{option{"data-dir", "SNAPDASH_DATA_DIR", "directory of the SQLite database", false}, &c.DataDir, defaultDataDir()},
		{option{"snapshot-max-age", "SNAPDASH_SNAPSHOT_MAX_AGE", "snapshots older than this are marked in the table, such as 30d", false}, &c.MaxAge, "30d"},
		{option{"price-per-gb-month", "SNAPDASH_PRICE_PER_GB_MONTH", "the price of a GB of snapshot for a month, to show what snapshots cost; empty: no price", false}, &c.Price, ""},
		{option{"price-currency", "SNAPDASH_PRICE_CURRENCY", "the price's currency, shown with it (such as EUR, USD or €)", false}, &c.Currency, ""},
		{option{"activity-retention", "SNAPDASH_ACTIVITY_RETENTION", "how long activity records are kept, such as 400d or 2160h", false}, &c.Retention, "400d"},
		{option{"trusted-proxies", "SNAPDASH_TRUSTED_PROXIES", "comma-separated CIDRs whose identity and forwarding headers are believed", false}, &c.TrustedProxies, ""},
		{option{"user-header", "SNAPDASH_USER_HEADER", "header carrying the SSO identity", false}, &c.UserHeader, web.DefaultUserHeader},
		{option{"groups-header", "SNAPDASH_GROUPS_HEADER", "header carrying the SSO groups, comma-separated", false}, &c.GroupsHeader, web.DefaultGroupsHeader},
		{option{"restore-groups", "SNAPDASH_RESTORE_GROUPS", "comma-separated SSO groups whose members alone may restore; empty: everyone", false}, &c.RestoreGroups, ""},
		{option{"delete-groups", "SNAPDASH_DELETE_GROUPS", "comma-separated SSO groups whose members alone may delete and unpin; empty: everyone", false}, &c.DeleteGroups, ""},
		{option{"schedule-groups", "SNAPDASH_SCHEDULE_GROUPS", "comma-separated SSO groups whose members alone may create, change, run and delete schedules; empty: everyone", false}, &c.ScheduleGroups, ""},
		{option{"schedule-max-failures", "SNAPDASH_SCHEDULE_MAX_FAILURES", "failed runs in a row after which a schedule pauses itself (and skipped runs in a row after which it says so)", false}, &c.MaxFailures, strconv.Itoa(schedule.DefaultMaxFailures)},
		{option{"automation-token", "SNAPDASH_AUTOMATION_TOKEN", "a VPS.org API token the operator issues for schedules, best given as a file; empty: nothing can be scheduled (the embedded simulator has its own)", true}, &c.Automation, ""},
		{option{"log-format", "SNAPDASH_LOG_FORMAT", "json or text (default: text on a terminal, else json)", false}, &c.LogFormat, ""},
		{option{"log-level", "SNAPDASH_LOG_LEVEL", "debug, info, warn or error", false}, &c.LogLevel, "info"},
		{option{"debug-listen", "SNAPDASH_DEBUG_LISTEN", "address for Go's pprof profiles, such as 127.0.0.1:6060; empty: off", false}, &c.DebugListen, ""},
		{option{"metrics-listen", "SNAPDASH_METRICS_LISTEN", "address serving Prometheus /metrics, apart from the pages, such as 127.0.0.1:9100; empty: off", false}, &c.MetricsListen, ""},
		{option{"notify-webhook-url", "SNAPDASH_NOTIFY_WEBHOOK_URL", "https:// address receiving a JSON POST (Slack-compatible) for every job that ends; empty: none", true}, &c.NotifyWebhook, ""},
		{option{"language", "SNAPDASH_LANGUAGE", "the language of notifications and of what Snapdash says outside a person's page: en or ca (each person's pages follow their browser, or the choice in the header)", false}, &c.Language, "en"},
		{option{"public-url", "SNAPDASH_PUBLIC_URL", "Snapdash's address as people open it, such as https://snapdash.example.com/, for links in notifications", false}, &c.PublicURL, ""},
		{option{"sim-fail-snapshots", "SNAPDASH_SIM_FAIL_SNAPSHOTS", "simulator: snapshots whose name starts with this end failed, for demos; empty: none", false}, &c.SimFail, ""},
		{option{"cookie-secure", "SNAPDASH_COOKIE_SECURE", "auto: cookies Secure over HTTPS (seen directly or in a trusted proxy's X-Forwarded-Proto); always: Secure whatever the request says", false}, &c.CookieSecure, "auto"},
	}
	durs := []struct {
		o   option
		dst *time.Duration
		def time.Duration
	}{
		{option{"upstream-timeout", "SNAPDASH_UPSTREAM_TIMEOUT", "timeout of one call to the API", false}, &c.UpstreamTimeout, 10 * time.Second},
		{option{"idle-timeout", "SNAPDASH_IDLE_TIMEOUT", "a session ends after this long without activity", false}, &c.IdleTimeout, web.DefaultIdleTimeout},
		{option{"session-lifetime", "SNAPDASH_SESSION_LIFETIME", "a session ends this long after sign-in", false}, &c.SessionLifetime, web.DefaultSessionLifetime},
		{option{"sim-snapshot-delay", "SNAPDASH_SIM_SNAPSHOT_DELAY", "simulator: time for a snapshot to complete", false}, &c.SimSnapshot, 20 * time.Second},
		{option{"sim-restore-delay", "SNAPDASH_SIM_RESTORE_DELAY", "simulator: time for a restore to finish", false}, &c.SimRestore, 30 * time.Second},
		{option{"sim-latency", "SNAPDASH_SIM_LATENCY", "simulator: delay added to every answer", false}, &c.SimLatency, 0},
		{option{"follow-limit", "SNAPDASH_FOLLOW_LIMIT", "how long a job follows a create or restore before recording it as still running", false}, &c.FollowLimit, follow.DefaultLimit},
		{option{"coalesce-window", "SNAPDASH_COALESCE_WINDOW", "how long one person's identical reads share an upstream answer; 0 turns sharing off", false}, &c.CoalesceWindow, time.Second},
	}
	var errs []error
	fileFlags := map[string]*string{}
	for _, s := range strs {
		def := s.def
		if v := getenv(s.o.env); v != "" {
			def = v
		}
		fs.StringVar(s.dst, s.o.flag, def, s.o.usage+" ($"+s.o.env+")")
		if s.o.secret {
			var file string
			fileFlags[s.o.flag] = &file
			fs.StringVar(&file, s.o.flag+"-file", getenv(s.o.env+"_FILE"), "file holding the "+s.o.flag+" value ($"+s.o.env+"_FILE)")
		}
	}
	for _, d := range durs {
		def := d.def
		if v := getenv(d.o.env); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p < 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a duration such as 10s or 5m", d.o.env, v))
			} else {
				def = p
			}
		}
		fs.DurationVar(d.dst, d.o.flag, def, d.o.usage+" ($"+d.o.env+")")
	}
	reqID := false
	if v := getenv("SNAPDASH_REQUIRE_IDENTITY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SNAPDASH_REQUIRE_IDENTITY=%q must be true or false", v))
		}
		reqID = b
	}
	fs.BoolVar(&c.RequireIdentity, "require-identity", reqID, "refuse requests without an identity from a trusted proxy ($SNAPDASH_REQUIRE_IDENTITY)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, r := range retired {
		if getenv(r.env) != "" {
			errs = append(errs, fmt.Errorf("%s is no longer read: %s", r.env, r.instead))
		}
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strs {
		file := fileFlags[s.o.flag]
		if file == nil || *file == "" {
			continue
		}
		if *s.dst != "" {
			return nil, fmt.Errorf("%s and %s_FILE are both set; use one", s.o.env, s.o.env)
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			return nil, fmt.Errorf("%s_FILE: %v", s.o.env, err)
		}
		*s.dst = strings.TrimSpace(string(b))
	}
	return c, c.validate()
}

// defaultDataDir is the user data directory ($XDG_DATA_HOME, or
// ~/.local/share) with a snapdash folder.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "snapdash")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "snapdash")
	}
	return filepath.Join(os.TempDir(), "snapdash")
}

// retired are settings Snapdash no longer reads, and what replaces them: a
// deployment that still sets one is told at start rather than ignored.
var retired = []struct{ env, instead string }{
	{"SNAPDASH_SESSION_STORE", "sessions live in the database: SNAPDASH_DATABASE_URL (PostgreSQL), or SQLite in SNAPDASH_DATA_DIR"},
	{"SNAPDASH_SESSION_DIR", "the SQLite database lives in SNAPDASH_DATA_DIR"},
	{"SNAPDASH_REDIS_URL", "replicas share state through PostgreSQL: SNAPDASH_DATABASE_URL"},
	{"SNAPDASH_REDIS_URL_FILE", "replicas share state through PostgreSQL: SNAPDASH_DATABASE_URL_FILE"},
}

// validate checks every value and derives the parsed ones.
func (c *config) validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("SNAPDASH_LISTEN=%q is not a host:port address such as :8080", c.Listen)
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("SNAPDASH_API_URL=%q must be a base URL such as https://admin.vps.org", c.APIURL)
		}
	}
	if !strings.HasPrefix(c.BasePath, "/") || strings.ContainsAny(c.BasePath, "?#\\ ") || strings.Contains(c.BasePath, "//") {
		return fmt.Errorf("SNAPDASH_BASE_PATH=%q must be a path such as / or /snapdash/", c.BasePath)
	}
	if !strings.HasSuffix(c.BasePath, "/") {
		c.BasePath += "/"
	}
	if err := c.parseKeys(); err != nil {
		return err
	}
	switch {
	case c.DatabaseURL == "":
		if c.DataDir == "" {
			return errors.New("SNAPDASH_DATA_DIR must name a directory for the SQLite database")
		}
	case !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		return errors.New("SNAPDASH_DATABASE_URL must be a PostgreSQL URL such as postgres://snapdash@db:5432/snapdash, or empty for SQLite")
	}
	c.proxies = nil
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("SNAPDASH_TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.proxies = append(c.proxies, p.Masked())
	}
	if c.DebugListen != "" {
		host, _, err := net.SplitHostPort(c.DebugListen)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("SNAPDASH_DEBUG_LISTEN=%q must be a loopback address such as 127.0.0.1:6060: profiles are not for the network", c.DebugListen)
		}
	}
	r, err := parseDays(c.Retention)
	if err != nil || r < 24*time.Hour {
		return fmt.Errorf("SNAPDASH_ACTIVITY_RETENTION=%q must be a duration of a day or more, such as 400d or 2160h", c.Retention)
	}
	c.retention = r
	if c.maxAge, err = parseDays(c.MaxAge); err != nil || c.maxAge < 24*time.Hour {
		return fmt.Errorf("SNAPDASH_SNAPSHOT_MAX_AGE=%q must be a duration of a day or more, such as 30d", c.MaxAge)
	}
	if n, err := strconv.Atoi(c.MaxFailures); err != nil || n < 1 || n > 100 {
		return fmt.Errorf("SNAPDASH_SCHEDULE_MAX_FAILURES=%q must be a whole number from 1 to 100, such as 3", c.MaxFailures)
	} else {
		c.maxFailures = n
	}
	if c.Price != "" {
		p, err := strconv.ParseFloat(c.Price, 64)
		if err != nil || p <= 0 || p > 1e6 {
			return fmt.Errorf("SNAPDASH_PRICE_PER_GB_MONTH=%q must be a positive number such as 0.05", c.Price)
		}
		c.price = p
	}
	if n := utf8.RuneCountInString(c.Currency); n > 8 || strings.ContainsFunc(c.Currency, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Sc, r) }) {
		return fmt.Errorf("SNAPDASH_PRICE_CURRENCY=%q must be a currency's code or sign, such as EUR or €", c.Currency)
	}
	if c.Language != "en" && c.Language != "ca" {
		return fmt.Errorf("SNAPDASH_LANGUAGE=%q must be en or ca", c.Language)
	}
	if c.NotifyWebhook != "" {
		if u, err := url.Parse(c.NotifyWebhook); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("SNAPDASH_NOTIFY_WEBHOOK_URL must be an http:// or https:// address")
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("SNAPDASH_PUBLIC_URL=%q must be an http:// or https:// address such as https://snapdash.example.com/", c.PublicURL)
		}
		if !strings.HasSuffix(c.PublicURL, "/") {
			c.PublicURL += "/"
		}
	}
	if c.FollowLimit < time.Minute {
		return fmt.Errorf("SNAPDASH_FOLLOW_LIMIT=%s must be a minute or more, such as 1h", c.FollowLimit)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return fmt.Errorf("SNAPDASH_METRICS_LISTEN=%q is not a host:port address such as 127.0.0.1:9100", c.MetricsListen)
		}
	}
	switch c.CookieSecure {
	case "auto", "always":
	default:
		return fmt.Errorf("SNAPDASH_COOKIE_SECURE=%q must be auto or always", c.CookieSecure)
	}
	if c.GroupsHeader == "" || strings.ContainsAny(c.GroupsHeader, " :\t\r\n") {
		return fmt.Errorf("SNAPDASH_GROUPS_HEADER=%q is not a header name", c.GroupsHeader)
	}
	if (c.RestoreGroups != "" || c.DeleteGroups != "" || c.ScheduleGroups != "") && len(c.proxies) == 0 {
		return errors.New("SNAPDASH_RESTORE_GROUPS, SNAPDASH_DELETE_GROUPS and SNAPDASH_SCHEDULE_GROUPS need SNAPDASH_TRUSTED_PROXIES: groups are believed only from the SSO proxy")
	}
	if strings.ContainsAny(c.Automation, " \t\r\n") {
		return errors.New("SNAPDASH_AUTOMATION_TOKEN_FILE holds more than one token (a space or a line break inside it)")
	}
	if c.UserHeader == "" || strings.ContainsAny(c.UserHeader, " :\t\r\n") {
		return fmt.Errorf("SNAPDASH_USER_HEADER=%q is not a header name", c.UserHeader)
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		return fmt.Errorf("SNAPDASH_LOG_FORMAT=%q must be json or text", c.LogFormat)
	}
	if err := c.level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("SNAPDASH_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"SNAPDASH_UPSTREAM_TIMEOUT", c.UpstreamTimeout}, {"SNAPDASH_IDLE_TIMEOUT", c.IdleTimeout}, {"SNAPDASH_SESSION_LIFETIME", c.SessionLifetime}} {
		if d.v <= 0 {
			return fmt.Errorf("%s must be longer than zero", d.name)
		}
	}
	if c.RequireIdentity && len(c.proxies) == 0 {
		return errors.New("SNAPDASH_REQUIRE_IDENTITY needs SNAPDASH_TRUSTED_PROXIES: no identity is believed from anyone else")
	}
	if c.IdleTimeout > c.SessionLifetime {
		return fmt.Errorf("SNAPDASH_IDLE_TIMEOUT (%s) is longer than SNAPDASH_SESSION_LIFETIME (%s)", c.IdleTimeout, c.SessionLifetime)
	}
	return nil
}

// parseKeys turns each secret into a securecookie hash/block key pair, or makes
// a random pair when none is configured (sessions then end at restart).
func (c *config) parseKeys() error {
	c.keyPairs = nil
	var secrets [][]byte
	for _, s := range strings.Split(c.SessionKeys, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) < 32 {
			return errors.New("SNAPDASH_SESSION_KEYS: each key must be at least 32 characters (try: openssl rand -base64 32)")
		}
		secrets = append(secrets, []byte(s))
	}
	c.randomKeys = len(secrets) == 0
	if c.randomKeys {
		secrets = [][]byte{[]byte(rand.Text() + rand.Text())}
	}
	for _, s := range secrets {
		hash, err := hkdf.Key(sha256.New, s, nil, "snapdash session hash key", 32)
		if err != nil {
			return err
		}
		block, err := hkdf.Key(sha256.New, s, nil, "snapdash session block key", 32)
		if err != nil {
			return err
		}
		c.keyPairs = append(c.keyPairs, hash, block)
	}
	return nil
}

// insecureCookiesWarning says why cookies can never be Secure in this set-up,
// or "" when they can: Snapdash serves no TLS itself, so only a trusted
// proxy's X-Forwarded-Proto or SNAPDASH_COOKIE_SECURE=always can make them
// Secure, and a loopback listener is only reachable from this machine.
func (c *config) insecureCookiesWarning() string {
	if c.CookieSecure == "always" || len(c.proxies) > 0 {
		return ""
	}
	host, _, _ := net.SplitHostPort(c.Listen)
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return ""
	}
	return "cookies will never be marked Secure: SNAPDASH_LISTEN=" + c.Listen +
		" is reachable from the network, Snapdash serves no TLS itself, and neither SNAPDASH_TRUSTED_PROXIES (to believe an HTTPS proxy's X-Forwarded-Proto) nor SNAPDASH_COOKIE_SECURE=always is set"
}

// parseDays reads a duration, also in days ("400d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// groupList splits a comma-separated list of groups, dropping blanks.
func groupList(v string) []string {
	var out []string
	for _, g := range strings.Split(v, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}
