package schedule_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/pgtest"
	"github.com/snapdash/snapdash/internal/schedules"
	"github.com/snapdash/snapdash/internal/services/schedule"
	"github.com/snapdash/snapdash/internal/services/servicestest"
	"github.com/snapdash/snapdash/internal/store"
	"github.com/snapdash/snapdash/internal/store/storetest"
	"github.com/snapdash/snapdash/vpsapi/simulator"
)

// A run, its record and its job are written together or not at all: when
// the record cannot be written, no run is open, no job waits and nothing
// reaches VPS.org; once it can, the run goes as usual. On both stores.
func TestRunOpensWithItsRecordOrNotAtAll(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			url := ""
			if engine == "postgres" {
				url = pgtest.Start(t).URL
			}
			s := newScheduling(t, 1, url, simulator.ServerSeed{Name: "web-server-01"})
			sc := s.daily(t, s.servers[0], 2)
			raw := storetest.RawDB(t, s.st)
			refuse, allow := []string{
				"CREATE TRIGGER refuse_records BEFORE INSERT ON activity BEGIN SELECT RAISE(ABORT, 'no records today'); END",
			}, "DROP TRIGGER refuse_records"
			if s.st.Engine() == store.Postgres {
				refuse = []string{
					"CREATE FUNCTION refuse_records() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no records today'; END $$ LANGUAGE plpgsql",
					"CREATE TRIGGER refuse_records BEFORE INSERT ON activity FOR EACH ROW EXECUTE FUNCTION refuse_records()",
				}
				allow = "DROP TRIGGER refuse_records ON activity"
			}
			for _, q := range refuse {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			now := schedule.Change{Actor: "alice", Token: servicestest.AliceToken, Schedule: schedules.Schedule{ID: sc.ID}}
			if _, err := s.svcs[0].Schedules.RunNow(ctx, now); !errors.Is(err, schedule.ErrNoSchedules) {
				t.Fatalf("run now without a record: %v, want the store's refusal", err)
			}
			if n := storetest.Count(t, s.st, "SELECT COUNT(*) FROM schedule_runs"); n != 0 {
				t.Errorf("%d runs open without their record", n)
			}
			if n := storetest.Jobs(t, s.st, "scheduled_run"); n != 0 {
				t.Errorf("%d run jobs without their run", n)
			}

			if _, err := raw.Exec(allow); err != nil {
				t.Fatal(err)
			}
			if _, err := s.svcs[0].Schedules.RunNow(ctx, now); err != nil {
				t.Fatal(err)
			}
			if run := s.ended(t, sc.ID, 30*time.Second); run.State != schedules.Completed || run.ActivityID == 0 {
				t.Errorf("run once the record could be written: %+v", run)
			}
			if n := s.calls(createKey); n != 1 {
				t.Errorf("%d creates sent, want the one of the run that opened", n)
			}
		})
	}
}
