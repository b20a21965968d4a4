package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/store"
)

// A server's status seen alone keeps the snapshots seen before it; a list
// of snapshots replaces the view, so a status seen before it (a restore
// since ended) is not shown beside a newer list.
func TestAServerViewKeepsOnlyWhatIsStillTrue(t *testing.T) {
	for engine, open := range engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			st := open(t)
			ctx := context.Background()
			views := st.ServerViews()
			put := func(status, snaps string) {
				t.Helper()
				var b []byte
				if snaps != "" {
					b = []byte(snaps)
				}
				if err := views.Put(ctx, store.ServerView{ServerID: 7, Status: status, Snapshots: b, ReadAt: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			get := func() store.ServerView {
				t.Helper()
				w, ok, err := views.Get(ctx, 7)
				if err != nil || !ok {
					t.Fatalf("the view: %v %v", ok, err)
				}
				return w
			}
			put("", `[{"id":1}]`)
			put("restoring", "")
			if w := get(); w.Status != "restoring" || string(w.Snapshots) != `[{"id":1}]` {
				t.Errorf("after a status: %q %s", w.Status, w.Snapshots)
			}
			put("", `[{"id":1},{"id":2}]`)
			if w := get(); w.Status != "" || string(w.Snapshots) != `[{"id":1},{"id":2}]` {
				t.Errorf("after a newer list: %q %s", w.Status, w.Snapshots)
			}
			// An answer to an older question, come back late, is not kept.
			if err := views.Put(ctx, store.ServerView{ServerID: 7, Snapshots: []byte(`[]`), ReadAt: time.Now().Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if w := get(); string(w.Snapshots) != `[{"id":1},{"id":2}]` {
				t.Errorf("an older look replaced a newer one: %s", w.Snapshots)
			}
		})
	}
}
