// Package pgtest runs a real PostgreSQL server on loopback for tests, from
// Debian's postgresql binaries, on a temporary directory: the store is tested
// against PostgreSQL itself rather than a fake.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is one PostgreSQL server with its data in a temporary folder.
type Server struct {
	URL string // postgres://… of its database, for pgx

	t       testing.TB
	start   func() *exec.Cmd // the server's command, ready to start
	cmd     *exec.Cmd
	logPath string
}

// bin finds the newest installed PostgreSQL's programs.
func bin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server programs (initdb) found")
}

// Start runs PostgreSQL for the test and stops it at cleanup. Without its
// programs the test is skipped, or fails when CI=true (make deps installs them).
func Start(t testing.TB) *Server {
	t.Helper()
	dir, err := bin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v and CI=true (make deps installs postgresql)", err)
		}
		t.Skipf("SKIPPING: %v (apt-get install postgresql, or make deps)", err)
	}
	data, err := os.MkdirTemp("", "snapdash-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(data) })
	// initdb refuses root: run the server as the postgres user, owning its folder.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) *exec.Cmd {
		full := append(append(append([]string{}, asUser...), filepath.Join(dir, name)), args...)
		return exec.Command(full[0], full[1:]...)
	}
	pgdata := filepath.Join(data, "db")
	tmpl, err := template(dir, data, run)
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the template: initdb costs a second or two of CPU, and the
	// suite starts some thirty servers.
	if out, err := exec.Command("cp", "-a", tmpl, pgdata).CombinedOutput(); err != nil {
		t.Fatalf("copying the template cluster: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := &Server{
		URL: "postgres://postgres@" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/postgres?sslmode=disable",
		t:   t, logPath: filepath.Join(data, "server.log"),
		start: func() *exec.Cmd {
			return run("postgres", "-D", pgdata, "-k", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
				"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
		},
	}
	srv.Restart()
	t.Cleanup(srv.Stop)
	return srv
}

// Restart starts the server again (after Stop) on the same data and port,
// and waits until it accepts queries.
func (s *Server) Restart() {
	s.t.Helper()
	cmd := s.start()
	logFile, _ := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("postgres: %v", err)
	}
	logFile.Close()
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Accepting connections is not enough: it may still be starting up.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("postgres did not start: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop shuts the server down (fast shutdown), as an outage would.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	s.cmd = nil
}

// template is a cluster initdb made once for this machine's PostgreSQL (in
// the temporary directory, named by its version), made if there is none:
// initdb writes it beside, in scratch (owned as the server's folder is),
// and a rename puts it in place whole, so a test never copies half of one
// and two packages making it at once both end up using one.
func template(bin, scratch string, run func(string, ...string) *exec.Cmd) (string, error) {
	version := filepath.Base(filepath.Dir(bin))
	final := filepath.Join(os.TempDir(), "snapdash-pg-template-"+version)
	if _, err := os.Stat(filepath.Join(final, "PG_VERSION")); err == nil {
		return final, nil
	}
	made := filepath.Join(scratch, "template")
	if out, err := run("initdb", "-D", made, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := os.Rename(made, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, "PG_VERSION")); serr != nil {
			return "", fmt.Errorf("placing the template cluster: %w", err)
		}
		_ = os.RemoveAll(made) // another made it first
	}
	return final, nil
}
