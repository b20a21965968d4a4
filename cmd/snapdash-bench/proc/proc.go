// Package proc runs the servers the bench measures as processes of their
// own (Snapdash, and the bench's reference servers), and reads what they
// cost: processor time and resident memory, from /proc.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a server under test running as its own process: snapdash, or the
// bare reverse proxy it is compared with.
type Process struct {
	URL  string
	cmd  *exec.Cmd
	dir  string
	logs bytes.Buffer
	stop sync.Once
}

// Snapdash builds (unless bin is given) and starts snapdash against apiURL,
// trusting loopback as its proxy so each simulated client has its own address.
// prepare, when given, fills its data directory first.
func Snapdash(ctx context.Context, bin, apiURL string, env []string, prepare func(dataDir string) error) (*Process, error) {
	dir, err := os.MkdirTemp("", "snapdash-bench-")
	if err != nil {
		return nil, err
	}
	if prepare != nil {
		if err := prepare(filepath.Join(dir, "data")); err != nil {
			return nil, err
		}
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
	s := &Process{URL: "http://127.0.0.1:" + strconv.Itoa(port), dir: dir}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(os.Environ(),
		"SNAPDASH_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"SNAPDASH_API_URL="+apiURL,
		"SNAPDASH_DATA_DIR="+filepath.Join(dir, "data"),
		"SNAPDASH_SESSION_KEYS=bench-key-bench-key-bench-key-bench-key",
		"SNAPDASH_TRUSTED_PROXIES=127.0.0.1/32",
		"SNAPDASH_LOG_LEVEL=warn",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	return s, s.start("/healthz")
}

// Bin is the program the process runs.
func (p *Process) Bin() string { return p.cmd.Path }

// Floor runs one of this program's reference servers (kind "proxy" or
// "two-calls") to upstream as its own process, so it is measured the way
// snapdash is.
func Floor(kind, upstream string) (*Process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := &Process{URL: "http://" + addr}
	p.cmd = exec.Command(self, kind, upstream, addr)
	return p, p.start("/")
}

func (p *Process) start(probe string) error {
	p.cmd.Stdout = &p.logs
	p.cmd.Stderr = &p.logs
	if err := p.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + probe)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop()
	return fmt.Errorf("%s did not start:\n%s", p.cmd.Path, p.logs.String())
}

// Stop ends the process with SIGTERM and removes its files.
func (s *Process) Stop() { s.stop.Do(s.stopNow) }

func (s *Process) stopNow() {
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
func (s *Process) RSS() (int64, error) {
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

// CPU is the processor time the process has used so far.
func (s *Process) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// SelfCPU is the processor time this process (harness, simulator, proxy) has used.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
