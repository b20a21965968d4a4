package vpsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"detail": "Not found."}`, `{"name": ["bad"], "non_field_errors": ["limit"]}`, `{"error": "x"}`,
		`{"message": 5}`, `[1,2]`, `not json`, `{"name": []}`, `{"detail": null, "x": "y"}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, fields := parseErrorBody(body)
		for k, v := range fields {
			if len(v) == 0 {
				t.Errorf("field %q with no messages", k)
			}
		}
	})
}

// FuzzListAnswer points the client at an upstream answering anything at all
// with 200: the client must return snapshots or an ErrUnavailable, never panic.
func FuzzListAnswer(f *testing.F) {
	for _, s := range []string{
		`{"count": 1, "results": [{"id": 1, "server": {"id": 2, "name": "s"}, "name": "n", "status": "completed", "size_mb": 5, "created_at": "2025-01-01T00:00:00Z"}]}`,
		`{"count": 0, "results": []}`, `{"results": null}`, `{"count": "x"}`, `{"results": [{"id": "1"}]}`,
		`{"results": [], "next": "http://elsewhere.example/page2"}`, `{"results": [], "next": "/api/v1/snapshots/?page=1"}`,
		`{"results": [{"created_at": "yesterday"}]}`, `<html>`, ``,
	} {
		f.Add([]byte(s))
	}
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := New(srv.URL, Options{Timeout: 2 * time.Second, RetryWait: []time.Duration{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		body = b
		snaps, err := c.ListSnapshots(context.Background(), "tok", 0)
		if err != nil && !errors.Is(err, ErrUnavailable) {
			t.Errorf("answer %q: error %v is not ErrUnavailable", b, err)
		}
		if err == nil && snaps == nil {
			t.Errorf("answer %q: no error and no list", b)
		}
	})
}
