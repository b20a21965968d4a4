package schedules

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		s          Schedule
		after, due string
	}{
		{Schedule{Every: Daily, Minute: 3 * 60}, "2026-11-27T02:59:00Z", "2026-11-27T03:00:00Z"},
		{Schedule{Every: Daily, Minute: 3 * 60}, "2026-11-27T03:00:00Z", "2026-11-28T03:00:00Z"},
		{Schedule{Every: Daily, Minute: 0}, "2026-12-31T23:30:00Z", "2027-01-01T00:00:00Z"},
		{Schedule{Every: Hourly, Hours: 6, Minute: 15}, "2026-11-27T06:14:59Z", "2026-11-27T06:15:00Z"},
		{Schedule{Every: Hourly, Hours: 6, Minute: 15}, "2026-11-27T19:00:00Z", "2026-11-28T00:15:00Z"},
		{Schedule{Every: Hourly, Hours: 1, Minute: 0}, "2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z"},
		// 09:00 every 6 hours runs at 03:00 too.
		{Schedule{Every: Hourly, Hours: 6, Minute: 9 * 60}, "2026-11-27T02:00:00Z", "2026-11-27T03:00:00Z"},
		// 2026-11-27 is a Friday.
		{Schedule{Every: Weekly, Weekday: time.Sunday, Minute: 60}, "2026-11-27T12:00:00Z", "2026-11-29T01:00:00Z"},
		{Schedule{Every: Weekly, Weekday: time.Friday, Minute: 60}, "2026-11-27T12:00:00Z", "2026-12-04T01:00:00Z"},
		{Schedule{Every: Weekly, Weekday: time.Friday, Minute: 13 * 60}, "2026-11-27T12:00:00Z", "2026-11-27T13:00:00Z"},
	} {
		if got := c.s.Next(at(c.after)); !got.Equal(at(c.due)) {
			t.Errorf("%s after %s: %s, want %s", c.s.Describe(), c.after, got.Format(time.RFC3339), c.due)
		}
	}
	// Not in UTC: the same instants.
	paris := time.FixedZone("CET", 3600)
	if got := (Schedule{Every: Daily, Minute: 180}).Next(time.Date(2026, 11, 27, 3, 30, 0, 0, paris)); !got.Equal(at("2026-11-27T03:00:00Z")) {
		t.Errorf("from a local time: %s", got)
	}
}

func TestDescribe(t *testing.T) {
	for want, s := range map[string]Schedule{
		"every day at 03:05 UTC":       {Every: Daily, Minute: 185},
		"every hour at :15 UTC":        {Every: Hourly, Hours: 1, Minute: 135},
		"every 6 hours from 03:00 UTC": {Every: Hourly, Hours: 6, Minute: 15 * 60},
		"every Sunday at 23:59 UTC":    {Every: Weekly, Weekday: time.Sunday, Minute: 23*60 + 59},
	} {
		if got := s.Describe(); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Schedule{ServerID: 1, Every: Daily, Minute: 90, Keep: 4}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Schedule{
		"keep 5 leaves no slot": {ServerID: 1, Every: Daily, Keep: 5},
		"keep 0":                {ServerID: 1, Every: Daily, Keep: 0},
		"5 hours":               {ServerID: 1, Every: Hourly, Hours: 5, Keep: 2},
		"minute 24:00":          {ServerID: 1, Every: Hourly, Hours: 2, Minute: 24 * 60, Keep: 2},
		"no cadence":            {ServerID: 1, Every: "monthly", Keep: 2},
		"time past midnight":    {ServerID: 1, Every: Daily, Minute: 24 * 60, Keep: 2},
		"no server":             {Every: Daily, Keep: 2},
	} {
		if s.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSnapshotName(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	taken := map[string]bool{"auto-web-1-20261127-0300": true}
	if got := SnapshotName("web 1/<x>", at, func(string) bool { return false }); got != "auto-web-1-x-20261127-0300" {
		t.Errorf("a name VPS.org refuses: %q", got)
	}
	if got := SnapshotName("web-1", at, func(n string) bool { return taken[n] }); got != "auto-web-1-20261127-0300-2" {
		t.Errorf("a name taken: %q", got)
	}
	if got := SnapshotName("üé", at, func(string) bool { return false }); got != "auto-server-20261127-0300" {
		t.Errorf("no letter VPS.org accepts: %q", got)
	}
}
