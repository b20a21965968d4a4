package simulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Fault makes the simulator misbehave, for tests of a failing upstream.
type Fault struct {
	Match   string // call key prefix such as "GET /api/v1/snapshots/"; "" matches all
	Status  int    // answer with this status and a short body
	Garbage bool   // answer 200 with malformed JSON
	Hang    bool   // never answer; wait for the caller to give up
	Reset   bool   // drop the connection without an answer
	// LoseAnswer carries the call out, then drops the connection before the
	// answer: the caller cannot tell whether it happened.
	LoseAnswer bool
	Delay      time.Duration // wait this long, then answer normally (or as above)
	// Late answers at once, as things stand, but sends the answer this much
	// later: what changed meanwhile is missing from it.
	Late  time.Duration
	Times int // how many requests it hits; 0 means until cleared
}

// maxHang bounds a Hang, so a caller without a timeout cannot block a test forever.
const maxHang = time.Minute

// SetFault installs f, replacing any other.
func (s *Simulator) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// ClearFault makes the simulator well again.
func (s *Simulator) ClearFault() { s.SetFault(Fault{}) }

// takeFault returns the fault for key and uses up one of its Times. Called under mu.
func (s *Simulator) takeFault(key string) (Fault, bool) {
	f := s.fault
	if f == (Fault{}) || !strings.HasPrefix(key, f.Match) {
		return Fault{}, false
	}
	if f.Times > 0 {
		s.fault.Times--
		if s.fault.Times == 0 {
			s.fault = Fault{}
		}
	}
	return f, true
}

// discard is a ResponseWriter that keeps nothing: the answer a LoseAnswer
// fault loses.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// inject plays the fault; it reports whether the answer was given.
func (s *Simulator) inject(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 && !sleep(r, f.Delay) {
		return true
	}
	if f.LoseAnswer {
		s.mux.ServeHTTP(&discard{}, r)
		f.Reset = true
	}
	if f.Late > 0 {
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, r)
		if !sleep(r, f.Late) {
			return true
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return true
	}
	switch {
	case f.Hang:
		// Read the body first: only then does the server notice the caller giving up.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		t := time.NewTimer(maxHang)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		return true
	case f.Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Garbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count": 2, "results": [{"id": 801, "name": `))
		return true
	case f.Status != 0:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><body><h1>Server Error</h1><pre>Traceback (most recent call last): ...</pre></body></html>"))
		return true
	}
	return false
}
