package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/snapdash/snapdash/internal/atomicfile"
)

// FileBackend keeps one file per session in a directory, for one process:
// its lock makes Update and Delete atomic with each other.
type FileBackend struct {
	dir string
	now func() time.Time
	mu  sync.Mutex
}

// NewFileBackend uses dir, creating it (mode 0700) when missing.
func NewFileBackend(dir string, now func() time.Time) (*FileBackend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("session dir: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &FileBackend{dir: dir, now: now}, nil
}

const filePrefix = "snapdash-session-"

func (b *FileBackend) path(id string) (string, error) {
	// IDs are base32 from newID; anything else never reaches the disk.
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return "", ErrNotFound
		}
	}
	if id == "" {
		return "", ErrNotFound
	}
	return filepath.Join(b.dir, filePrefix+id), nil
}

// Load reads a session; an expired one is removed and reported as not found.
func (b *FileBackend) Load(_ context.Context, id string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loadLocked(id)
}

func (b *FileBackend) loadLocked(id string) ([]byte, error) {
	p, err := b.path(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(data) < 8 {
		_ = os.Remove(p)
		return nil, ErrNotFound
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(data[:8])), 0)
	if !b.now().Before(expires) {
		_ = os.Remove(p)
		return nil, ErrNotFound
	}
	return data[8:], nil
}

// Create writes a new session.
func (b *FileBackend) Create(_ context.Context, id string, data []byte, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writeLocked(id, data, ttl)
}

// Update rewrites a session that still exists and has not expired.
func (b *FileBackend) Update(_ context.Context, id string, data []byte, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.loadLocked(id); err != nil {
		return err
	}
	return b.writeLocked(id, data, ttl)
}

// writeLocked writes the session atomically (temp file, then rename).
func (b *FileBackend) writeLocked(id string, data []byte, ttl time.Duration) error {
	p, err := b.path(id)
	if err != nil {
		return fmt.Errorf("bad session id")
	}
	buf := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint64(buf, uint64(b.now().Add(ttl).Unix()))
	buf = append(buf, data...)
	return atomicfile.Write(p, buf)
}

// Delete removes a session; deleting an absent one is not an error.
func (b *FileBackend) Delete(_ context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.path(id)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Sweep removes expired sessions and returns how many it removed.
func (b *FileBackend) Sweep() (int, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, filePrefix) {
			continue
		}
		if _, err := b.Load(context.Background(), strings.TrimPrefix(name, filePrefix)); errors.Is(err, ErrNotFound) {
			n++
		}
	}
	return n, nil
}

// Count returns how many session files exist (expired or not).
func (b *FileBackend) Count() (int, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), filePrefix) {
			n++
		}
	}
	return n, nil
}

// SweepEvery removes expired sessions every so often until ctx ends.
func (b *FileBackend) SweepEvery(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := b.Sweep(); err != nil {
				log.Warn("session sweep failed", "error", err)
			} else if n > 0 {
				log.Debug("expired sessions removed", "count", n)
			}
		}
	}
}

// Ping checks that the session directory is still there and writable.
func (b *FileBackend) Ping(context.Context) error {
	f, err := os.CreateTemp(b.dir, ".ping-")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
