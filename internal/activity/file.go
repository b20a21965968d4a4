package activity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/snapdash/snapdash/internal/atomicfile"
)

// FileStore keeps records in one JSON-lines file, oldest first, rewritten
// atomically on each Add. Actions are rare, so the cost is small.
type FileStore struct {
	path string
	cap  int

	mu      sync.Mutex
	records []Record // oldest first
}

// NewFileStore loads (or starts) the activity file in dir.
func NewFileStore(dir string, capacity int) (*FileStore, error) {
	if capacity <= 0 {
		capacity = DefaultCap
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &FileStore{path: filepath.Join(dir, "activity.jsonl"), cap: capacity}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			s.records = append(s.records, r)
		}
	}
	if len(s.records) > s.cap {
		s.records = s.records[len(s.records)-s.cap:]
	}
	return s, nil
}

// Add appends r and drops the oldest records past the cap.
func (s *FileStore) Add(_ context.Context, r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, r)
	if len(s.records) > s.cap {
		s.records = append([]Record(nil), s.records[len(s.records)-s.cap:]...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, rec := range s.records {
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return atomicfile.Write(s.path, buf.Bytes())
}

// Recent returns up to n records, newest first.
func (s *FileStore) Recent(_ context.Context, n int) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, len(s.records))
	out := make([]Record, 0, n)
	for i := len(s.records) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, s.records[i])
	}
	return out, nil
}
