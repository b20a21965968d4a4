package dashboard

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// countingChanges counts the reads of the change feed's newest id.
type countingChanges struct {
	Changes
	reads int
}

func (c *countingChanges) Last(ctx context.Context) (int64, error) {
	c.reads++
	return c.Changes.Last(ctx)
}

// A page reads the change feed's newest id once, before VPS.org is listed,
// and its cards' annotations use the same: the id the page asks from.
func TestAPageReadsTheFeedOnce(t *testing.T) {
	st := storetest.SQLite(t)
	srv := httptest.NewServer(simulator.New(simulator.Options{}))
	t.Cleanup(srv.Close)
	api, err := vpsapi.New(srv.URL, vpsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	changes := &countingChanges{Changes: st.Changes()}
	d := New(Options{API: api, Activity: st.Activity(), Changes: changes, Restores: st.Restores(), Marks: st.Marks(), Schedules: st.Schedules(),
		Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	acc, err := d.Account(ctx, simulator.DemoToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	if servers := d.Group(ctx, acc, 0); len(servers) == 0 {
		t.Fatal("no servers")
	}
	if changes.reads != 1 {
		t.Errorf("a page read the feed's newest id %d times, want 1", changes.reads)
	}
	if last, _ := st.Changes().Last(ctx); acc.Change != last {
		t.Errorf("the page asks from %d, the feed is at %d", acc.Change, last)
	}
}
