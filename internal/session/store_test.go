package session_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store/storetest"
)

func keys(seed byte) [][]byte {
	return [][]byte{bytes.Repeat([]byte{seed}, 32), bytes.Repeat([]byte{seed + 1}, 32)}
}

// get is a page request carrying cookies.
func get(cookies ...*http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}

// roundTrip signs in through one store and reads the session back through another.
func roundTrip(t *testing.T, backend session.Backend, write, read [][]byte) (string, bool) {
	t.Helper()
	ws := session.NewStore(backend, time.Hour, write...)
	rs := session.NewStore(backend, time.Hour, read...)
	mw := session.NewManager(ws, session.Config{Name: "s", Idle: time.Hour, Lifetime: 2 * time.Hour})
	mr := session.NewManager(rs, session.Config{Name: "s", Idle: time.Hour, Lifetime: 2 * time.Hour})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/signin", nil)
	st, err := mw.Load(rec, req, false, true, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SignIn(context.Background(), "tok-123456", ""); err != nil {
		t.Fatal(err)
	}
	st2, err := mr.Load(httptest.NewRecorder(), get(rec.Result().Cookies()...), false, true, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return string(st2.Token()), st2.SignedIn()
}

func TestKeyRotation(t *testing.T) {
	b := storetest.SQLite(t).Sessions()
	old := keys(1)
	rotated := append(keys(5), old...)
	if tok, ok := roundTrip(t, b, old, rotated); !ok || tok != "tok-123456" {
		t.Error("a session made with the old keys does not open after a new pair is put first")
	}
	if _, ok := roundTrip(t, b, old, keys(9)); ok {
		t.Error("a session opened with keys it was not made with")
	}
}

func TestForgedCookieGivesNewSession(t *testing.T) {
	b := storetest.SQLite(t).Sessions()
	m := session.NewManager(session.NewStore(b, time.Hour, keys(1)...), session.Config{Name: "s", Idle: time.Hour, Lifetime: time.Hour})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "s", Value: "forged-value"})
	st, err := m.Load(httptest.NewRecorder(), req, false, true, "", "")
	if err != nil || st.SignedIn() {
		t.Errorf("forged cookie: signed in %v, err %v", st.SignedIn(), err)
	}
}

func TestPollingDoesNotExtendIdleTimer(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	b := storetest.SQLiteAt(t, clock).Sessions()
	m := session.NewManager(session.NewStore(b, time.Hour*24, keys(1)...), session.Config{Name: "s", Idle: 10 * time.Minute, Lifetime: 24 * time.Hour, Now: clock})
	rec := httptest.NewRecorder()
	st, _ := m.Load(rec, httptest.NewRequest(http.MethodPost, "/", nil), false, true, "", "")
	if err := st.SignIn(context.Background(), "tok", ""); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	load := func(touch bool) *session.State {
		st, err := m.Load(httptest.NewRecorder(), get(cookies...), false, touch, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Save(); err != nil {
			t.Fatal(err)
		}
		return st
	}
	for range 2 { // polls every 4 minutes keep the session open for now
		now = now.Add(4 * time.Minute)
		if st := load(false); !st.SignedIn() {
			t.Fatal("session ended while within the idle timeout")
		}
	}
	now = now.Add(4 * time.Minute) // 12 minutes with no real activity
	if st := load(false); st.SignedIn() || st.Ended() != session.EndedIdle {
		t.Errorf("after 12 minutes of polling only: signed in %v, ended %q; want ended idle", st.SignedIn(), st.Ended())
	}
}

// The stored session (the encrypted token in it) lives no longer than the
// idle timeout, nor past the session's lifetime, and activity renews it.
func TestStoredSessionExpiresWithIdleTimeoutAndLifetime(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	b := storetest.SQLiteAt(t, clock).Sessions()
	m := session.NewManager(session.NewStore(b, 24*time.Hour, keys(1)...), session.Config{Name: "s", Idle: 10 * time.Minute, Lifetime: 25 * time.Minute, Now: clock})
	rec := httptest.NewRecorder()
	st, _ := m.Load(rec, httptest.NewRequest(http.MethodPost, "/", nil), false, true, "", "")
	if err := st.SignIn(context.Background(), "tok", ""); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	stored := func() int {
		if _, err := b.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		n, _ := b.Count()
		return n
	}
	view := func() {
		st, err := m.Load(httptest.NewRecorder(), get(cookies...), false, true, "", "")
		if err != nil || !st.SignedIn() {
			t.Fatalf("page view at %s: signed in %v, err %v", now, st.SignedIn(), err)
		}
		if err := st.Save(); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(9 * time.Minute)
	view() // activity renews the stored copy for another 10 minutes
	now = now.Add(9 * time.Minute)
	if stored() != 1 {
		t.Fatal("a session in use was dropped from the store")
	}
	view()
	now = now.Add(8 * time.Minute) // 26 minutes: past the 25-minute lifetime
	if stored() != 0 {
		t.Error("the stored session outlived the session's lifetime")
	}

	// And without activity, it is gone from the store at the idle timeout.
	rec = httptest.NewRecorder()
	st, _ = m.Load(rec, httptest.NewRequest(http.MethodPost, "/", nil), false, true, "", "")
	if err := st.SignIn(context.Background(), "tok", ""); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10*time.Minute + time.Second)
	if stored() != 0 {
		t.Error("the stored session (and its encrypted token) outlived the idle timeout")
	}
}

// Activity is recorded coarsely: a page view soon after another does not
// rewrite the session or its cookie; one after a hundredth of the idle
// timeout does.
func TestActivityRecordedCoarsely(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	b := storetest.SQLiteAt(t, clock).Sessions()
	m := session.NewManager(session.NewStore(b, 24*time.Hour, keys(1)...), session.Config{Name: "s", Idle: time.Hour, Lifetime: 24 * time.Hour, Now: clock})
	rec := httptest.NewRecorder()
	st, _ := m.Load(rec, httptest.NewRequest(http.MethodPost, "/", nil), false, true, "", "")
	if err := st.SignIn(context.Background(), "tok", ""); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	view := func() (rewritten bool) {
		rec := httptest.NewRecorder()
		st, err := m.Load(rec, get(cookies...), false, true, "", "")
		if err != nil || !st.SignedIn() {
			t.Fatalf("page view: signed in %v, err %v", st.SignedIn(), err)
		}
		if err := st.Save(); err != nil {
			t.Fatal(err)
		}
		return len(rec.Result().Cookies()) > 0
	}
	now = now.Add(10 * time.Second)
	if view() {
		t.Error("a page view 10 s after sign-in rewrote the session")
	}
	now = now.Add(30 * time.Second) // 40 s in: past a hundredth of the hour
	if !view() {
		t.Error("a page view 40 s after sign-in did not record the activity")
	}
}
