package vpsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/vpsapi"
)

// The client decodes with a faster library than encoding/json; what people see
// must not change. Awkward but valid answers decode exactly as encoding/json
// decodes them, and broken ones are refused by both.
func TestListDecodesAsEncodingJSONDoes(t *testing.T) {
	bodies := map[string]string{
		"plain": `{"count":1,"next":null,"results":[{"id":801,"server":{"id":12345,"name":"web-server-01"},"name":"pre-migration","status":"completed","size_mb":5120,"created_at":"2025-01-15T18:30:00Z","description":"Before major migration"}]}`,
		"escapes, offset time, null size, unknown fields": `{"count":1,"results":[{"id":9007199254740993,"server":{"id":1,"name":"caf\u00e9 \"srv\""},"name":"a\/b","status":"weird-state","size_mb":null,"created_at":"2025-01-15T18:30:00.123+02:00","description":"line\nbreak \u2028 <b>","extra":{"deep":[1,2,3]}}]}`,
		"invalid UTF-8":  "{\"count\":1,\"results\":[{\"id\":1,\"server\":{\"id\":1,\"name\":\"s\"},\"name\":\"bad \xff\xfe bytes\",\"status\":\"completed\",\"created_at\":\"2025-01-01T00:00:00Z\"}]}",
		"duplicate keys": `{"count":1,"results":[{"id":1,"id":2,"server":{"id":1,"name":"s"},"name":"first","name":"second","status":"completed","created_at":"2025-01-01T00:00:00Z"}]}`,
		"wrong type":     `{"count":1,"results":[{"id":"801","server":{"id":1,"name":"s"},"name":"x","status":"completed","created_at":"2025-01-01T00:00:00Z"}]}`,
		"bad time":       `{"count":1,"results":[{"id":1,"server":{"id":1,"name":"s"},"name":"x","status":"completed","created_at":"yesterday"}]}`,
		"truncated":      `{"count":1,"results":[{"id":1,"server":{"id":1`,
		"trailing junk":  `{"count":0,"results":[]} {"more":1}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}), vpsapi.Options{})
			got, err := c.ListSnapshots(context.Background(), demo, 0)

			var want struct {
				Results []vpsapi.Snapshot `json:"results"`
			}
			wantErr := json.Unmarshal([]byte(body), &want)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("client error %v, encoding/json error %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want.Results) {
				t.Errorf("client decoded\n%+v\nencoding/json decoded\n%+v", got, want.Results)
			}
		})
	}
}

// A list is decoded into room made for it, and read into a buffer the next
// answer reuses: an answer that lists nothing is still told from one that
// is not a list, and a list already returned is never overwritten by the
// next answer read.
func TestListsKeepTheirShapeAndTheirValues(t *testing.T) {
	var body string
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}), vpsapi.Options{})
	ctx := context.Background()
	for answer, wantErr := range map[string]bool{
		`{"count":0,"results":[]}`: false,
		`{"count":0}`:              true,
		`{"results":null}`:         true,
		`{}`:                       true,
	} {
		body = answer
		snaps, err := c.ListSnapshots(ctx, demo, 0)
		if (err != nil) != wantErr || (err == nil && (snaps == nil || len(snaps) != 0)) {
			t.Errorf("answer %s: %v, %v; want an error: %v", answer, snaps, err, wantErr)
		}
	}

	item := func(id int, name string) string {
		return `{"id":` + strconv.Itoa(id) + `,"server":{"id":1,"name":"web-01"},"name":"` + name + `","status":"completed","size_mb":5,"created_at":"2025-01-01T00:00:00Z","description":"` + strings.Repeat(name, 20) + `"}`
	}
	list := func(names ...string) string {
		var items []string
		for i, n := range names {
			items = append(items, item(i+1, n))
		}
		return `{"count":` + strconv.Itoa(len(names)) + `,"results":[` + strings.Join(items, ",") + `]}`
	}
	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("first-%02d", i))
	}
	body = list(names...)
	first, err := c.ListSnapshots(ctx, demo, 0)
	if err != nil || len(first) != len(names) {
		t.Fatalf("first list: %d snapshots, %v", len(first), err)
	}
	body = list(strings.Repeat("x", len(names[0])), strings.Repeat("y", len(names[0])))
	if _, err := c.ListSnapshots(ctx, demo, 0); err != nil {
		t.Fatal(err)
	}
	for i, s := range first {
		if s.Name != names[i] || s.Description != strings.Repeat(names[i], 20) || s.Server.Name != "web-01" {
			t.Fatalf("snapshot %d of the first list changed after the next answer: %+v", i, s)
		}
	}
}
