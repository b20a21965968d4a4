package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"github.com/snapdash/snapdash/vpsapi"
)

// Why a session ended, for the sign-in page to say so.
const (
	EndedNone     = ""
	EndedIdle     = "idle"
	EndedLifetime = "lifetime"
	EndedIdentity = "identity"
	// EndedExpired: the cookie is genuine but its session is gone from the
	// store before its time: signed out in another tab, or ended elsewhere.
	EndedExpired = "expired"
)

// Config sets the session cookie name and how long sessions live.
type Config struct {
	Name     string        // over HTTPS at path "/" the cookie is named "__Host-" + Name
	Idle     time.Duration // ended after this long without a non-poll request
	Lifetime time.Duration // ended this long after sign-in, whatever happens
	Path     string        // cookie path
	Now      func() time.Time
}

// Manager opens and closes per-request session State.
type Manager struct {
	store *Store
	cfg   Config
}

// NewManager returns a manager over store.
func NewManager(store *Store, cfg Config) *Manager {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	store.Options.Path = cfg.Path
	return &Manager{store: store, cfg: cfg}
}

// flash is a queued one-time message: its kind (the caller's word for it)
// and text.
type flash struct {
	Kind string `json:"k"`
	Text string `json:"t"`
}

// State is one request's view of its session.
type State struct {
	m      *Manager
	r      *http.Request
	w      http.ResponseWriter
	sess   *sessions.Session
	secure bool
	dirty  bool
	ended  string
	who    string // identity believed for this request
	groups string // its SSO groups, sorted and comma-joined
}

type ctxKey struct{}

// NewContext returns ctx carrying st.
func NewContext(ctx context.Context, st *State) context.Context {
	return context.WithValue(ctx, ctxKey{}, st)
}

// From returns the State in ctx; a signed-out empty one when there is none.
func From(ctx context.Context) *State {
	if st, ok := ctx.Value(ctxKey{}).(*State); ok {
		return st
	}
	return &State{sess: sessions.NewSession(nil, ""), m: &Manager{}}
}

// RequestIdentity is the SSO identity believed for this request, "" without one.
func (st *State) RequestIdentity() string { return st.who }

// CookieName is the session cookie's name for a request over HTTPS (secure)
// or not: the __Host- prefix where the browser allows it (Secure, path /), so
// a sibling subdomain cannot plant or overwrite the cookie.
func (m *Manager) CookieName(secure bool) string {
	return HostPrefixed(m.cfg.Name, secure, m.cfg.Path)
}

// HostPrefixed is name with the __Host- prefix when the cookie is Secure and
// its path is "/", the only case browsers accept the prefix.
func HostPrefixed(name string, secure bool, path string) string {
	if secure && path == "/" {
		return "__Host-" + name
	}
	return name
}

// ID is the session's id, "" for a request without a session; it changes at
// sign-in.
func (st *State) ID() string { return st.sess.ID }

// Load opens the request's session. touch says whether this request counts as
// activity (polling does not). A session past its idle or absolute limit is
// deleted and Ended says why. identity is the SSO identity believed for this
// request ("" without one), and groups its SSO groups (sorted, comma-joined);
// a session bound to another identity or other groups is ended.
func (m *Manager) Load(w http.ResponseWriter, r *http.Request, secure, touch bool, identity, groups string) (*State, error) {
	sess, gone, err := m.store.open(r, m.CookieName(secure))
	st := &State{m: m, r: r, w: w, sess: sess, secure: secure, who: identity, groups: groups}
	if err != nil {
		return st, err
	}
	if gone != nil {
		now := m.cfg.Now()
		switch {
		case gone.Created != 0 && now.Sub(time.Unix(gone.Created, 0)) >= m.cfg.Lifetime:
			st.ended = EndedLifetime
		case gone.Seen != 0 && now.Sub(time.Unix(gone.Seen, 0)) >= m.cfg.Idle:
			st.ended = EndedIdle
		default:
			st.ended = EndedExpired
		}
		return st, nil
	}
	if sess.IsNew {
		return st, nil
	}
	now := m.cfg.Now()
	created := time.Unix(int64Value(sess.Values["created"]), 0)
	seen := time.Unix(int64Value(sess.Values["seen"]), 0)
	bound, _ := sess.Values["identity"].(string)
	boundGroups, _ := sess.Values["groups"].(string)
	switch {
	case now.Sub(created) >= m.cfg.Lifetime:
		st.ended = EndedLifetime
	case now.Sub(seen) >= m.cfg.Idle:
		st.ended = EndedIdle
	case bound != identity || boundGroups != groups:
		st.ended = EndedIdentity
	}
	if st.ended != EndedNone {
		return st, st.destroy()
	}
	// Recording activity rewrites the session and its cookie: do it at most
	// once per hundredth of the idle timeout (about 5 minutes of 8 hours), not
	// on every page view. The session may end that much early, never late.
	if touch && now.Sub(seen) >= max(m.cfg.Idle/100, time.Second) {
		sess.Values["seen"] = now.Unix()
		st.dirty = true
	}
	return st, nil
}

func int64Value(v any) int64 {
	n, _ := v.(int64)
	return n
}

// Ended says why the request's session was just ended, or "".
func (st *State) Ended() string { return st.ended }

// SignedIn reports whether the session holds a token.
func (st *State) SignedIn() bool { return st.Token() != "" }

// Token is the person's API token, "" when signed out.
func (st *State) Token() vpsapi.Token {
	t, _ := st.sess.Values["token"].(string)
	return vpsapi.Token(t)
}

// Groups are the SSO groups the session is bound to.
func (st *State) Groups() []string {
	g, _ := st.sess.Values["groups"].(string)
	if g == "" {
		return nil
	}
	return strings.Split(g, ",")
}

// Identity is the SSO identity the session is bound to.
func (st *State) Identity() string {
	s, _ := st.sess.Values["identity"].(string)
	return s
}

// SignIn stores token under a new session ID and saves at once.
func (st *State) SignIn(ctx context.Context, token vpsapi.Token, identity string) error {
	if err := st.m.store.Renew(ctx, st.sess); err != nil {
		return err
	}
	now := st.m.cfg.Now().Unix()
	st.sess.Values = map[any]any{
		"token":    string(token),
		"identity": identity,
		"groups":   st.groups,
		"created":  now,
		"seen":     now,
	}
	st.sess.Options.MaxAge = 0
	st.dirty = true
	return st.Save()
}

// SignOut deletes the server-side session and its cookie, at once.
func (st *State) SignOut() error {
	return st.destroy()
}

func (st *State) destroy() error {
	if st.sess.IsNew && st.sess.ID == "" {
		return nil
	}
	st.sess.Options.MaxAge = -1
	st.sess.Values = map[any]any{}
	st.dirty = true
	return st.Save()
}

// MaxFlashes is how many messages a page shows at most: the newest.
const MaxFlashes = 3

// AddFlash queues a message for the next page. It is kept only for signed-in sessions.
func (st *State) AddFlash(kind, text string) {
	if !st.SignedIn() {
		return
	}
	list := st.peekFlashes()
	list = append(list, flash{Kind: kind, Text: text})
	if len(list) > MaxFlashes {
		list = list[len(list)-MaxFlashes:]
	}
	b, _ := json.Marshal(list)
	st.sess.Values["flash"] = string(b)
	st.dirty = true
}

func (st *State) peekFlashes() []flash {
	s, _ := st.sess.Values["flash"].(string)
	var list []flash
	if s != "" {
		_ = json.Unmarshal([]byte(s), &list)
	}
	return list
}

// TakeFlashes hands each queued message to show, oldest first, and clears them.
func (st *State) TakeFlashes(show func(kind, text string)) {
	list := st.peekFlashes()
	if len(list) > 0 {
		delete(st.sess.Values, "flash")
		st.dirty = true
	}
	for _, f := range list {
		show(f.Kind, f.Text)
	}
}

// Save writes pending changes; it is cheap when there are none. A session
// deleted meanwhile (by a sign-out in another tab, say) is not written back:
// it stays deleted and this request's changes to it are dropped.
func (st *State) Save() error {
	if !st.dirty {
		return nil
	}
	st.sess.Options.Secure = st.secure
	err := st.m.store.SaveFor(st.r, st.w, st.sess, st.ttl())
	if errors.Is(err, ErrNotFound) {
		st.sess.Values = map[any]any{}
		st.sess.ID = ""
		err = nil
	}
	if err != nil {
		return err
	}
	st.dirty = false
	return nil
}

// ttl is how long the stored session may live: until its idle timeout or its
// lifetime ends, whichever comes first, so the encrypted token is not kept a
// moment longer than it can be used.
func (st *State) ttl() time.Duration {
	created := time.Unix(int64Value(st.sess.Values["created"]), 0)
	seen := time.Unix(int64Value(st.sess.Values["seen"]), 0)
	end := seen.Add(st.m.cfg.Idle)
	if l := created.Add(st.m.cfg.Lifetime); l.Before(end) {
		end = l
	}
	return max(end.Sub(st.m.cfg.Now()), time.Second)
}
