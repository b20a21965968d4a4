// Command snapdash runs the Snapdash dashboard, the VPS.org API simulator
// (snapdash simulator), the database migrations (snapdash migrate) or a
// container health check (snapdash healthcheck).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/metrics"
	"github.com/snapdash/snapdash/internal/services"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
	"github.com/snapdash/snapdash/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "simulator":
			return runSimulator(ctx, args[1:], stderr)
		case "healthcheck":
			return runHealthcheck(args[1:], getenv, stderr)
		case "migrate":
			return runMigrate(ctx, args[1:], getenv, stderr)
		}
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "snapdash: configuration:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	collector(getenv)
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("snapdash stopped", "error", err)
		return 1
	}
	return 0
}

// collector tunes Go's garbage collector for a server whose live heap is
// small (tens of MiB) and whose pages allocate quickly: at Go's default
// (GOGC=100) it collected every few MiB, about a sixth of a page's CPU. At
// 400 it collects a quarter as often; the soft limit keeps the heap within
// MemoryLimit however it grows. GOGC and GOMEMLIMIT, when set, win.
func collector(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}

// The collector's settings unless the environment says otherwise.
const (
	GCPercent   = 400
	MemoryLimit = 256 << 20
)

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// serve runs Snapdash until ctx ends, then shuts down gracefully. ready, when
// not nil, receives the listening address.
func serve(ctx context.Context, cfg *config, log *slog.Logger, ready chan<- string) error {
	apiURL := cfg.APIURL
	demo := ""
	if apiURL == "" {
		sim := simulator.New(simulator.Options{SnapshotDelay: cfg.SimSnapshot, RestoreDelay: cfg.SimRestore, Latency: cfg.SimLatency, FailSnapshotsNamed: cfg.SimFail})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("simulator: %w", err)
		}
		simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = simSrv.Serve(ln) }()
		defer simSrv.Close()
		apiURL = "http://" + ln.Addr().String()
		demo = simulator.DemoToken
		if cfg.Automation == "" {
			cfg.Automation = simulator.DemoAutomationToken // schedules work in a demo
		}
		log.Info("running on the embedded VPS.org simulator", "api", apiURL)
	}
	m := metrics.New()
	client, err := vpsapi.New(apiURL, vpsapi.Options{Timeout: cfg.UpstreamTimeout, Logger: log, Observe: m.ObserveUpstream})
	if err != nil {
		return err
	}
	// Tabs of one person polling the same server within the window share a call.
	var api web.API = client
	if cfg.CoalesceWindow > 0 {
		api = vpsapi.NewShared(client, cfg.CoalesceWindow, nil)
	}
	if w := cfg.insecureCookiesWarning(); w != "" {
		log.Warn(w)
	}
	if cfg.randomKeys {
		log.Warn("SNAPDASH_SESSION_KEYS is not set: using random keys, so every session ends when Snapdash restarts")
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	m.CountSessions(st.Sessions())
	// The one composition root: the use cases, built once on the store and
	// the job engine, serve the pages and carry out the jobs.
	host, _ := os.Hostname()
	svc, err := services.New(ctx, services.Options{
		Store: st, API: api, Keys: cfg.keyPairs, WorkerID: fmt.Sprintf("snapdash-%s-%d", host, os.Getpid()),
		FollowLimit: cfg.FollowLimit, Retention: cfg.retention, Webhook: cfg.NotifyWebhook, PublicURL: cfg.PublicURL, Language: cfg.Language,
		Roles:         dashboard.Roles{Restore: groupList(cfg.RestoreGroups), Delete: groupList(cfg.DeleteGroups), Schedule: groupList(cfg.ScheduleGroups)},
		Schedule:      schedule.Options{Automation: vpsapi.Token(cfg.Automation), MaxFailures: cfg.maxFailures, ObserveRun: m.ObserveRun},
		ObserveNotify: m.ObserveNotify, Log: log,
	})
	if err != nil {
		return err
	}
	deps := web.Deps{API: api, Sessions: st.Sessions(), Services: svc, Metrics: m, Log: log}
	app, err := web.New(web.Config{
		BasePath:        cfg.BasePath,
		SessionKeys:     cfg.keyPairs,
		IdleTimeout:     cfg.IdleTimeout,
		SessionLifetime: cfg.SessionLifetime,
		TrustedProxies:  cfg.proxies,
		SecureCookies:   cfg.CookieSecure == "always",
		UserHeader:      cfg.UserHeader,
		GroupsHeader:    cfg.GroupsHeader,
		SnapshotMaxAge:  cfg.maxAge,
		PricePerGBMonth: cfg.price,
		PriceCurrency:   cfg.Currency,
		RequireIdentity: cfg.RequireIdentity,
		Simulator:       cfg.APIURL == "",
		DemoToken:       demo,
	}, deps)
	if err != nil {
		return err
	}
	if err := svc.Start(ctx); err != nil {
		return err
	}
	defer func() {
		// Jobs being worked get a moment to finish; the rest wait in the
		// database for another replica or the next start.
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := svc.Stop(stopCtx); err != nil {
			log.Warn("jobs stopped before they finished; they resume from the database", "error", err)
		}
	}()

	if cfg.DebugListen != "" {
		stopDebug, err := serveDebug(cfg.DebugListen, log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	if cfg.MetricsListen != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsListen, m, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("SNAPDASH_LISTEN=%s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2*cfg.UpstreamTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("snapdash listening", "addr", ln.Addr().String(), "base_path", cfg.BasePath, "api", apiURL)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.UpstreamTimeout+10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// runSimulator serves the VPS.org API simulator alone, for other tools.
func runSimulator(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("snapdash simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9090", "listen address")
	snap := fs.Duration("snapshot-delay", 20*time.Second, "time for a snapshot to complete")
	restore := fs.Duration("restore-delay", 30*time.Second, "time for a restore to finish")
	latency := fs.Duration("latency", 0, "added to every answer")
	pageSize := fs.Int("page-size", 10, "results per list page")
	fail := fs.String("fail-snapshots-named", "", "snapshots whose name starts with this end failed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	sim := simulator.New(simulator.Options{SnapshotDelay: *snap, RestoreDelay: *restore, Latency: *latency, PageSize: *pageSize, FailSnapshotsNamed: *fail})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "snapdash simulator:", err)
		return 1
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	log.Info("VPS.org simulator listening", "addr", ln.Addr().String(), "demo_token", simulator.DemoToken)
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "snapdash simulator:", err)
		return 1
	}
	return 0
}

// runHealthcheck asks a local Snapdash for /healthz: exit 0 when it answers 200.
func runHealthcheck(args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("snapdash healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := getenv("SNAPDASH_LISTEN")
	if listen == "" {
		listen = ":8080"
	}
	addr := fs.String("addr", listen, "address Snapdash listens on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 2
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	base := getenv("SNAPDASH_BASE_PATH")
	if base == "" {
		base = "/"
	}
	if base[len(base)-1] != '/' {
		base += "/"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + base + "healthz")
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}

// openStore opens the configured database and brings its schema up to date.
func openStore(ctx context.Context, cfg *config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		if cfg.DatabaseURL != "" {
			return nil, fmt.Errorf("SNAPDASH_DATABASE_URL: %w", err)
		}
		return nil, fmt.Errorf("SNAPDASH_DATA_DIR: %w", err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	where := filepath.Join(cfg.DataDir, store.FileName)
	if st.Engine() == store.Postgres {
		where = "PostgreSQL"
	}
	log.Info("database ready", "engine", string(st.Engine()), "at", where, "migrations_applied", len(applied))
	return st, nil
}

// runMigrate applies the database migrations and exits: for deployments
// that migrate before starting replicas. Starting Snapdash migrates too.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "snapdash migrate: configuration:", err)
		return 2
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "snapdash migrate:", err)
		return 1
	}
	defer st.Close()
	if err := jobs.Migrate(ctx, st); err != nil {
		fmt.Fprintln(stderr, "snapdash migrate:", err)
		return 1
	}
	v, err := st.Version(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "snapdash migrate:", err)
		return 1
	}
	fmt.Fprintf(stderr, "snapdash migrate: the %s database is at version %d\n", st.Engine(), v)
	return 0
}

// serveMetrics serves /metrics on its own listener, so the pages' address
// (the one the proxy exposes) does not publish them.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SNAPDASH_METRICS_LISTEN=%s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("metrics served", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// serveDebug serves Go's profiles on a loopback address, for finding where
// time goes under load.
func serveDebug(addr string, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SNAPDASH_DEBUG_LISTEN=%s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiles served", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
