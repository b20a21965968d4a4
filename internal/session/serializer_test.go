package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store/storetest"
)

// A session saved before sessions were stored as JSON (gob, securecookie's
// default) still opens: upgrading Snapdash signs nobody out.
func TestGobSessionStillOpens(t *testing.T) {
	b := storetest.SQLite(t).Sessions()
	k := keys(3)
	old := securecookie.New(k[0], k[1]) // gob, as before
	now := time.Now()
	values := map[any]any{"token": "tok-from-gob", "created": now.Unix(), "seen": now.Unix(), "identity": ""}
	data, err := old.Encode("s", values)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Create(context.Background(), "OLDSESSIONID", []byte(data), time.Hour); err != nil {
		t.Fatal(err)
	}
	cookie, err := old.Encode("s", "OLDSESSIONID")
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(session.NewStore(b, time.Hour, k...), session.Config{Name: "s", Idle: time.Hour, Lifetime: 2 * time.Hour})
	st, err := m.Load(httptest.NewRecorder(), get(&http.Cookie{Name: "s", Value: cookie}), false, true, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !st.SignedIn() || string(st.Token()) != "tok-from-gob" {
		t.Errorf("gob session: signed in %v, token %q", st.SignedIn(), st.Token())
	}
}

// Numbers come back as int64 and strings as strings: the idle and lifetime
// checks depend on it.
func TestSessionValuesKeepTheirTypes(t *testing.T) {
	b := storetest.SQLite(t).Sessions()
	store := session.NewStore(b, time.Hour, keys(4)...)
	sess := sessions.NewSession(store, "s")
	sess.Options = &sessions.Options{Path: "/"}
	sess.Values["seen"] = int64(1767225600)
	sess.Values["token"] = "tok-typed"
	rec := httptest.NewRecorder()
	if err := store.Save(httptest.NewRequest(http.MethodGet, "/", nil), rec, sess); err != nil {
		t.Fatal(err)
	}
	got, err := store.New(get(rec.Result().Cookies()...), "s")
	if err != nil || got.IsNew {
		t.Fatalf("reload: new %v, err %v", got.IsNew, err)
	}
	if n, ok := got.Values["seen"].(int64); !ok || n != 1767225600 {
		t.Errorf("seen came back as %T %v", got.Values["seen"], got.Values["seen"])
	}
	if s, ok := got.Values["token"].(string); !ok || s != "tok-typed" {
		t.Errorf("token came back as %T %v", got.Values["token"], got.Values["token"])
	}

	// A value of another type is refused when saving, not silently dropped.
	sess.Values["when"] = time.Now()
	err = store.Save(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder(), sess)
	if err == nil || !strings.Contains(err.Error(), "when") {
		t.Errorf("saving a time.Time: %v, want an error naming the value", err)
	}
}

// BenchmarkLoadSession is what every request pays to open its session from
// the store, on SQLite and on PostgreSQL: cookie check, query, decryption and
// decoding.
func BenchmarkLoadSession(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkLoadSession(b, storetest.SQLite(b).Sessions()) })
	b.Run("postgres", func(b *testing.B) {
		benchmarkLoadSession(b, storetest.Open(b, pgtest.Start(b).URL).Sessions())
	})
}

func benchmarkLoadSession(b *testing.B, backend session.Backend) {
	store := session.NewStore(backend, time.Hour, keys(6)...)
	sess := sessions.NewSession(store, "s")
	sess.Options = &sessions.Options{Path: "/"}
	now := time.Now().Unix()
	sess.Values["token"], sess.Values["identity"] = "tok-0123456789abcdef", "jane@example.com"
	sess.Values["created"], sess.Values["seen"] = now, now
	rec := httptest.NewRecorder()
	if err := store.Save(httptest.NewRequest(http.MethodGet, "/", nil), rec, sess); err != nil {
		b.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	b.ReportAllocs()
	for b.Loop() {
		if s, err := store.New(get(cookie), "s"); err != nil || s.IsNew {
			b.Fatal("session did not load", err)
		}
	}
}
