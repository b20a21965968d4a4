package vpsapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
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
