package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/session"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A create still waiting on VPS.org when the person signs out must not save
// the session back when it finishes: the old cookie stays signed out, on
// SQLite and on PostgreSQL.
func TestSignOutSticksWhileARequestIsInFlight(t *testing.T) {
	t.Parallel()
	for _, store := range []struct {
		name     string
		sessions func(t *testing.T) session.Backend
	}{
		{"sqlite", func(*testing.T) session.Backend { return nil }},
		{"postgres", func(t *testing.T) session.Backend {
			return storetest.Open(t, pgtest.Start(t).URL).Sessions()
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
			again := ts.browser().setCookies(old)
			if r := again.get("/"); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/signin") {
				t.Errorf("the old cookie opens a page after sign-out (status %d)", r.StatusCode)
			}
		})
	}
}

// A request that loaded the session before sign-in renewed its ID, or before
// the idle timeout ended it, cannot bring the old ID back.
func TestOldSessionIDStaysDeleted(t *testing.T) {
	t.Parallel()
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
	replay := ts.browser().setCookies(old)
	if r := replay.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the ID replaced at sign-in still opens a page (status %d)", r.StatusCode)
	}
	b.stillSignedIn("a request of the old ID finishing")
}
