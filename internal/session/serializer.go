package session

import (
	"fmt"

	"github.com/gorilla/securecookie"
	"github.com/segmentio/encoding/json"
)

// serializer encodes the session ID and values as JSON (segmentio's codec,
// compatible with encoding/json and cheaper). gob, securecookie's default,
// compiles its type information again on every decode, which made reading the
// session a tenth of a page view's CPU. Values are strings and
// int64s only; anything else is refused when saving rather than lost later.
// Data saved by gob before this serializer existed still decodes.
type serializer struct{}

// values is the stored form: strings and numbers apart, so numbers come back
// as int64 rather than float64.
type values struct {
	S map[string]string `json:"s,omitempty"`
	N map[string]int64  `json:"n,omitempty"`
}

func (serializer) Serialize(src any) ([]byte, error) {
	switch v := src.(type) {
	case string:
		return json.Marshal(v)
	case map[any]any:
		var out values
		for k, val := range v {
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("session key %v is not a string", k)
			}
			switch x := val.(type) {
			case string:
				if out.S == nil {
					out.S = map[string]string{}
				}
				out.S[key] = x
			case int64:
				if out.N == nil {
					out.N = map[string]int64{}
				}
				out.N[key] = x
			default:
				return nil, fmt.Errorf("session value %q is a %T, not a string or int64", key, val)
			}
		}
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("session: cannot store a %T", src)
}

func (serializer) Deserialize(src []byte, dst any) error {
	// gob data starts with a message length; for what Snapdash stored it is
	// never one of JSON's first bytes here.
	if len(src) == 0 || (src[0] != '{' && src[0] != '"') {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	switch d := dst.(type) {
	case *string:
		return json.Unmarshal(src, d)
	case *map[any]any:
		// Maps of the session's size: given none, the decoder makes each
		// with room for 64 entries, most of what opening a session allocated.
		in := values{S: make(map[string]string, 8), N: make(map[string]int64, 4)}
		if err := json.Unmarshal(src, &in); err != nil {
			return err
		}
		m := make(map[any]any, len(in.S)+len(in.N))
		for k, v := range in.S {
			m[k] = v
		}
		for k, v := range in.N {
			m[k] = v
		}
		*d = m
		return nil
	}
	return fmt.Errorf("session: cannot load into a %T", dst)
}
