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
	if out, err := run("initdb", "-D", pgdata, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := run("postgres", "-D", pgdata, "-k", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	logFile, _ := os.Create(filepath.Join(data, "server.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logFile.Close()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	url := "postgres://postgres@" + addr + "/postgres?sslmode=disable"
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Accepting connections is not enough: it may still be starting up.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(data, "server.log"))
			t.Fatalf("postgres did not start on %s: %v\n%s", addr, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &Server{URL: url}
}
