// Package redistest runs a real redis-server on loopback for tests, so the
// Redis backends are tested against Redis itself rather than a fake.
package redistest

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process with its data in a temporary folder.
type Server struct {
	Addr string
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
}

// Start runs redis-server for the test and stops it at cleanup. Without
// redis-server on PATH the test is skipped, or fails when CI=true: CI installs it.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is missing and CI=true (make deps installs it)")
		}
		t.Skip("SKIPPING: no redis-server on PATH (apt-get install redis-server, or make deps)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{Addr: addr, t: t, dir: t.TempDir()}
	s.Restart()
	t.Cleanup(func() { s.Stop(syscall.SIGKILL) })
	return s
}

// Restart starts the server again after Stop, on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	_, port, _ := strings.Cut(s.Addr, ":")
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for range 100 {
		out, err := exec.Command("redis-cli", "-p", port, "ping").Output()
		if err == nil && strings.TrimSpace(string(out)) == "PONG" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatal("redis-server did not answer PING")
}

// Stop ends the server with sig and waits for it.
func (s *Server) Stop(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Signal sends sig (SIGSTOP to freeze it, SIGCONT to thaw it).
func (s *Server) Signal(sig syscall.Signal) { _ = s.cmd.Process.Signal(sig) }

// Client is a client of the server, closed at cleanup.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.t.Cleanup(func() { c.Close() })
	return c
}
