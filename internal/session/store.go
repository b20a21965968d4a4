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
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// ErrNotFound is returned by a Backend for an absent or expired session.
var ErrNotFound = errors.New("session not found")

// Backend stores encoded sessions by ID. Implementations must drop entries after ttl.
//
// A session is written by Create once, at sign-in, and then only by Update,
// which never brings back a session that was deleted or expired meanwhile:
// a request still running when the person signs out cannot sign them in again.
type Backend interface {
	Load(ctx context.Context, id string) ([]byte, error)
	// Create stores a new session under a fresh id.
	Create(ctx context.Context, id string, data []byte, ttl time.Duration) error
	// Update rewrites a session that still exists, atomically with Delete;
	// ErrNotFound when it does not.
	Update(ctx context.Context, id string, data []byte, ttl time.Duration) error
	Delete(ctx context.Context, id string) error
	// Ping checks that the store answers (for /readyz).
	Ping(ctx context.Context) error
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
	sess, _, err := s.open(r, name)
	return sess, err
}

// cookieID is what the cookie holds: the session ID, and when the session
// began and last recorded activity, so that a session the store has already
// dropped can still be told apart: idle, too old, or signed out elsewhere.
type cookieID struct {
	ID            string
	Created, Seen int64 // Unix seconds; 0 in cookies from before they were kept
}

func (c cookieID) String() string {
	return c.ID + "." + strconv.FormatInt(c.Created, 10) + "." + strconv.FormatInt(c.Seen, 10)
}

func parseCookieID(s string) cookieID {
	id, rest, _ := strings.Cut(s, ".")
	created, seen, _ := strings.Cut(rest, ".")
	c := cookieID{ID: id}
	c.Created, _ = strconv.ParseInt(created, 10, 64)
	c.Seen, _ = strconv.ParseInt(seen, 10, 64)
	return c
}

// open is New that also returns the cookie of a genuine session that no
// longer exists (expired, or deleted by a sign-out); nil otherwise.
func (s *Store) open(r *http.Request, name string) (sess *sessions.Session, gone *cookieID, err error) {
	sess = sessions.NewSession(s, name)
	opts := *s.Options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil, nil
	}
	var raw string
	if securecookie.DecodeMulti(name, c.Value, &raw, s.codecs...) != nil {
		return sess, nil, nil
	}
	cid := parseCookieID(raw)
	data, err := s.backend.Load(r.Context(), cid.ID)
	if errors.Is(err, ErrNotFound) {
		return sess, &cid, nil
	}
	if err != nil {
		return sess, nil, fmt.Errorf("load session: %w", err)
	}
	if securecookie.DecodeMulti(name, string(data), &sess.Values, s.codecs...) != nil {
		return sess, nil, nil
	}
	sess.ID = cid.ID
	sess.IsNew = false
	return sess, nil, nil
}

// Save writes the session to the backend for the store's ttl and sets its
// cookie; see SaveFor.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	return s.SaveFor(r, w, sess, s.ttl)
}

// SaveFor writes the session to the backend, to be dropped after ttl, and sets
// its cookie. A negative MaxAge deletes it from both. A session that was
// deleted meanwhile (signed out, ended, renewed) stays deleted: no cookie is
// set and ErrNotFound is returned.
func (s *Store) SaveFor(r *http.Request, w http.ResponseWriter, sess *sessions.Session, ttl time.Duration) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.backend.Delete(r.Context(), sess.ID); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	data, err := securecookie.EncodeMulti(sess.Name(), sess.Values, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if sess.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		if err := s.backend.Create(r.Context(), id, []byte(data), ttl); err != nil {
			return fmt.Errorf("save session: %w", err)
		}
		sess.ID = id
	} else if err := s.backend.Update(r.Context(), sess.ID, []byte(data), ttl); err != nil {
		// No cookie either way: the browser may hold a newer session by now.
		return fmt.Errorf("save session: %w", err)
	}
	sess.IsNew = false
	created, _ := sess.Values["created"].(int64)
	seen, _ := sess.Values["seen"].(int64)
	cookie, err := securecookie.EncodeMulti(sess.Name(), cookieID{ID: sess.ID, Created: created, Seen: seen}.String(), s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session cookie: %w", err)
	}
	SetCookie(w, sessions.NewCookie(sess.Name(), cookie, sess.Options))
	return nil
}

// SetCookie sets c, replacing a cookie of the same name set earlier in this
// response: a response carries one session cookie, the last word.
func SetCookie(w http.ResponseWriter, c *http.Cookie) {
	h := w.Header()
	prefix := c.Name + "="
	kept := h.Values("Set-Cookie")[:0:0]
	for _, v := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(v, prefix) {
			kept = append(kept, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range kept {
		h.Add("Set-Cookie", v)
	}
	http.SetCookie(w, c)
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
