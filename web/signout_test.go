package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/redistest"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A create still waiting on VPS.org when the person signs out must not save
// the session back when it finishes: the old cookie stays signed out, on the
// file store and on Redis.
func TestSignOutSticksWhileARequestIsInFlight(t *testing.T) {
	for _, store := range []struct {
		name     string
		sessions func(t *testing.T) session.Backend
	}{
		{"file", func(*testing.T) session.Backend { return nil }},
		{"redis", func(t *testing.T) session.Backend {
			return session.NewRedisBackend(redistest.Start(t).Client(), "snapdash:session:")
		}},
	} {
		t.Run(store.name, func(t *testing.T) {
			ts := newTestServerWith(t, testSetup{sessions: store.sessions(t)})
			b := ts.browser()
			b.signIn(simulator.DemoToken)
			old := b.cookie("snapdash_session")
			form := newForm(b, "12348")
			form.Set("name", "slow-one")
			ts.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Delay: time.Second})

			var wg sync.WaitGroup
			var create response
			wg.Add(1)
			go func() {
				defer wg.Done()
				create = b.post("/snapshots", form)
			}()
			time.Sleep(300 * time.Millisecond) // the create is waiting on VPS.org
			if r := b.post("/signout", url.Values{}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", r.StatusCode)
			}
			wg.Wait()
			if create.StatusCode != http.StatusSeeOther {
				t.Fatalf("the create answered %d", create.StatusCode)
			}
			for _, c := range create.Cookies() {
				if c.Name == "snapdash_session" && c.Value != "" {
					t.Error("the create finishing after sign-out set a session cookie")
				}
			}
			again := ts.browser()
			u, _ := url.Parse(ts.URL)
			again.client.Jar.SetCookies(u, []*http.Cookie{old})
			if r := again.get("/"); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/signin") {
				t.Errorf("the old cookie opens a page after sign-out (status %d)", r.StatusCode)
			}
		})
	}
}

// Update never writes back a session that was deleted or has expired, on
// either store; Create and Update otherwise keep what they are given.
func TestBackendsNeverReviveADeletedSession(t *testing.T) {
	now := time.Now()
	file, err := session.NewFileBackend(t.TempDir(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		backend session.Backend
		expire  func(time.Duration)
	}{
		{"file", file, func(d time.Duration) { now = now.Add(d) }},
		{"redis", session.NewRedisBackend(redistest.Start(t).Client(), "s:"), time.Sleep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			b := tc.backend
			if err := b.Update(ctx, "NEVERCREATED234", []byte("x"), time.Hour); err != session.ErrNotFound {
				t.Errorf("update of a session never created: %v, want ErrNotFound", err)
			}
			if _, err := b.Load(ctx, "NEVERCREATED234"); err != session.ErrNotFound {
				t.Errorf("the update created the session: %v", err)
			}
			if err := b.Create(ctx, "ALIVE234", []byte("v1"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(ctx, "ALIVE234", []byte("v2"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if data, err := b.Load(ctx, "ALIVE234"); err != nil || string(data) != "v2" {
				t.Errorf("after update: %q, %v", data, err)
			}
			if err := b.Delete(ctx, "ALIVE234"); err != nil {
				t.Fatal(err)
			}
			if err := b.Update(ctx, "ALIVE234", []byte("v3"), time.Hour); err != session.ErrNotFound {
				t.Errorf("update after delete: %v, want ErrNotFound", err)
			}
			if _, err := b.Load(ctx, "ALIVE234"); err != session.ErrNotFound {
				t.Errorf("a deleted session came back: %v", err)
			}
			if err := b.Create(ctx, "SHORT234", []byte("v1"), 300*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			tc.expire(500 * time.Millisecond)
			if err := b.Update(ctx, "SHORT234", []byte("v2"), time.Hour); err != session.ErrNotFound {
				t.Errorf("update after expiry: %v, want ErrNotFound", err)
			}
		})
	}
}

// A request that loaded the session before sign-in renewed its ID, or before
// the idle timeout ended it, cannot bring the old ID back.
func TestOldSessionIDStaysDeleted(t *testing.T) {
	ts := newTestServer(t)
	b := ts.browser()
	b.signIn(simulator.DemoToken)
	old := b.cookie("snapdash_session")
	form := newForm(b, "12348")
	form.Set("name", "slow-two")
	ts.sim.SetFault(simulator.Fault{Match: "POST /api/v1/snapshots/", Delay: time.Second})
	done := make(chan response)
	go func() { done <- b.post("/snapshots", form) }()
	time.Sleep(300 * time.Millisecond)
	// The same browser signs in again meanwhile: a new ID, the old one deleted.
	if r := b.post("/signin", url.Values{"token": {simulator.DemoToken}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", r.StatusCode)
	}
	<-done
	if b.cookie("snapdash_session").Value == old.Value {
		t.Fatal("the session ID did not change at sign-in")
	}
	u, _ := url.Parse(ts.URL)
	replay := ts.browser()
	replay.client.Jar.SetCookies(u, []*http.Cookie{old})
	if r := replay.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the ID replaced at sign-in still opens a page (status %d)", r.StatusCode)
	}
	b.stillSignedIn("a request of the old ID finishing")
}
