package vpsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kinds of failure a caller can branch on with errors.Is.
var (
	ErrUnauthorized = errors.New("the API token was refused")
	ErrNotFound     = errors.New("not found")
	ErrRejected     = errors.New("request refused")
	ErrUnavailable  = errors.New("the VPS.org API is unavailable")
)

// Error is a failed API call. Kind is one of the Err* values above; Message and
// Fields carry the upstream's own words when it gave any.
type Error struct {
	Kind    error
	Op      string // e.g. "create snapshot"
	Status  int    // HTTP status, 0 when no answer came
	Message string
	Fields  map[string][]string
	Cause   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("vpsapi: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if msg := e.Summary(); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is match both the kind and the cause (such as context.DeadlineExceeded).
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Summary is the upstream's message followed by its non-field errors, for showing to a person.
func (e *Error) Summary() string {
	parts := []string{}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	parts = append(parts, e.Fields["non_field_errors"]...)
	return strings.Join(parts, " ")
}

// maxErrorBody caps what is read of an error body.
const maxErrorBody = 64 << 10

// parseErrorBody reads the DRF-shaped error bodies the contract allows:
// {"detail": "..."}, {"error": "..."}, {"message": "..."} or field errors
// {"name": ["..."], "non_field_errors": ["..."]}. Anything else yields nothing;
// a raw body is never shown to a person.
func parseErrorBody(body []byte) (msg string, fields map[string][]string) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return "", nil
	}
	for _, key := range []string{"detail", "error", "message"} {
		var s string
		if v, ok := raw[key]; ok && json.Unmarshal(v, &s) == nil && s != "" {
			msg = s
			delete(raw, key)
			break
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var list []string
		if json.Unmarshal(raw[k], &list) != nil {
			var one string
			if json.Unmarshal(raw[k], &one) != nil || one == "" {
				continue
			}
			list = []string{one}
		}
		if len(list) == 0 {
			continue
		}
		if fields == nil {
			fields = map[string][]string{}
		}
		fields[k] = list
	}
	return msg, fields
}
