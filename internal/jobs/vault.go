package jobs

import (
	"time"

	"github.com/gorilla/securecookie"
)

// vault seals job tokens with the session keys: the newest pair seals, any
// pair opens, so rotating the keys keeps running jobs working. A sealed
// token is bound to its job's key and stops opening after its life.
type vault struct{ codecs []securecookie.Codec }

func newVault(life time.Duration, keyPairs ...[]byte) vault {
	codecs := securecookie.CodecsFromPairs(keyPairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(life / time.Second))
		}
	}
	return vault{codecs}
}

func (v vault) seal(key, token string) ([]byte, error) {
	s, err := securecookie.EncodeMulti("job-token."+key, token, v.codecs...)
	return []byte(s), err
}

func (v vault) open(key string, sealed []byte) (string, error) {
	var token string
	err := securecookie.DecodeMulti("job-token."+key, string(sealed), &token, v.codecs...)
	return token, err
}
