// Package session keeps each person's session on the server: the browser holds
// only a signed, random session ID, and the values (the API token among them)
// are stored encrypted with the session keys in a Backend.
package session

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// ErrNotFound is returned by a Backend for an absent or expired session.
var ErrNotFound = errors.New("session not found")

// Backend stores encoded sessions by ID. Implementations must drop entries after ttl.
type Backend interface {
	Load(ctx context.Context, id string) ([]byte, error)
	Save(ctx context.Context, id string, data []byte, ttl time.Duration) error
	Delete(ctx context.Context, id string) error
}

// Store is a gorilla/sessions Store backed by a Backend.
type Store struct {
	codecs  []securecookie.Codec
	backend Backend
	ttl     time.Duration
	Options *sessions.Options // cookie options for new sessions
}

var _ sessions.Store = (*Store)(nil)

// NewStore returns a store whose values live ttl at most in backend. keyPairs
// are securecookie hash/block key pairs, newest first: older pairs still decode.
func NewStore(backend Backend, ttl time.Duration, keyPairs ...[]byte) *Store {
	codecs := securecookie.CodecsFromPairs(keyPairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(ttl / time.Second))
			sc.MaxLength(64 << 10)
			sc.SetSerializer(serializer{})
		}
	}
	return &Store{
		codecs:  codecs,
		backend: backend,
		ttl:     ttl,
		Options: &sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode},
	}
}

// Get returns the request's cached session, loading it on first use.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or returns a new empty
// one. A missing, forged or expired cookie yields a new session and no error.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := *s.Options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if securecookie.DecodeMulti(name, c.Value, &id, s.codecs...) != nil {
		return sess, nil
	}
	data, err := s.backend.Load(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("load session: %w", err)
	}
	if securecookie.DecodeMulti(name, string(data), &sess.Values, s.codecs...) != nil {
		return sess, nil
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save writes the session to the backend and sets its cookie. A negative
// MaxAge deletes it from both.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.backend.Delete(r.Context(), sess.ID); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if sess.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		sess.ID = id
	}
	data, err := securecookie.EncodeMulti(sess.Name(), sess.Values, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if err := s.backend.Save(r.Context(), sess.ID, []byte(data), s.ttl); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	cookie, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), cookie, sess.Options))
	return nil
}

// Renew forgets the session's stored copy and ID, so the next Save issues a new
// ID: done at sign-in against session fixation.
func (s *Store) Renew(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := s.backend.Delete(ctx, sess.ID); err != nil {
			return fmt.Errorf("renew session: %w", err)
		}
	}
	sess.ID = ""
	sess.IsNew = true
	return nil
}

func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}
