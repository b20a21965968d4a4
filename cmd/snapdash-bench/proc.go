package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// upstream is the simulator, in this process, on loopback.
type upstream struct {
	*httptest.Server
	sim *simulator.Simulator
}

func startUpstream(latency time.Duration) (*upstream, error) {
	sim := simulator.New(simulator.Options{
		SnapshotDelay: time.Hour, RestoreDelay: time.Hour, Latency: latency, PageSize: 100,
	})
	srv := httptest.NewServer(sim)
	return &upstream{Server: srv, sim: sim}, nil
}

// snapdash is a running snapdash process.
type snapdash struct {
	URL  string
	cmd  *exec.Cmd
	dir  string
	logs bytes.Buffer
}

// startSnapdash builds (unless bin is given) and starts snapdash against apiURL,
// trusting loopback as its proxy so each simulated client has its own address.
func startSnapdash(ctx context.Context, bin, apiURL string, env []string) (*snapdash, error) {
	dir, err := os.MkdirTemp("", "snapdash-bench-")
	if err != nil {
		return nil, err
	}
	if bin == "" {
		bin = filepath.Join(dir, "snapdash")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/snapdash")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("build snapdash (run from the repository root): %w", err)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &snapdash{URL: "http://127.0.0.1:" + strconv.Itoa(port), dir: dir}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(os.Environ(),
		"SNAPDASH_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"SNAPDASH_API_URL="+apiURL,
		"SNAPDASH_SESSION_DIR="+filepath.Join(dir, "sessions"),
		"SNAPDASH_SESSION_KEYS=bench-key-bench-key-bench-key-bench-key",
		"SNAPDASH_TRUSTED_PROXIES=127.0.0.1/32",
		"SNAPDASH_LOG_LEVEL=warn",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout = &s.logs
	s.cmd.Stderr = &s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("snapdash did not start:\n%s", s.logs.String())
}

// Stop ends the process with SIGTERM and removes its files.
func (s *snapdash) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
	_ = os.RemoveAll(s.dir)
}

// RSS is the process's resident memory in bytes.
func (s *snapdash) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
