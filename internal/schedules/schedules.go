// Package schedules describes scheduled snapshots: a schedule per server
// (how often, how many of its own snapshots to keep) and its runs. A run
// creates a snapshot with the operator's automation token, follows it, and
// when it completed deletes the oldest snapshots its schedule created beyond
// the keep count: never one it did not create (recorded by id), never a
// pinned one, never one in use. Each step is recorded before and after its
// call to VPS.org, as a restore's are.
package schedules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
)

// How often a schedule runs.
const (
	Daily  = "daily"  // every day at Minute (UTC)
	Hourly = "hours"  // every Hours hours, at Minute and every Hours hours from it, around the clock
	Weekly = "weekly" // every week on Weekday at Minute (UTC)
)

// Hours lists the intervals "every N hours" offers: those that divide a
// day, so the runs fall at the same times every day.
var Hours = []int{1, 2, 3, 4, 6, 8, 12}

// KeepMin and KeepMax bound how many of its own snapshots a schedule keeps:
// at most 4, so one of VPS.org's 5 slots is always free for people.
const (
	KeepMin = 1
	KeepMax = 4
)

// Schedule is one server's schedule.
type Schedule struct {
	ID         int64
	ServerID   int64
	ServerName string

	Every   string       // Daily, Hourly or Weekly
	Hours   int          // for Hourly: one of Hours
	Minute  int          // minutes after midnight UTC; for Hourly, one of the runs' times
	Weekday time.Weekday // for Weekly

	Keep          int  // KeepMin..KeepMax of its own snapshots
	SkipRestoring bool // skip a run while the server is restoring

	Paused    bool
	PausedWhy string // "" when paused by a person; the reason when Snapdash paused it

	NextRun     time.Time
	LastRun     time.Time // when the last run ended
	LastOutcome string    // a run's state, "" before the first
	LastDetail  string

	UpdatedBy string
	Updated   time.Time

	// Alert: its runs failed (it then paused itself) or were skipped again
	// and again; shown until a run completes or a person resumes or changes it.
	Alert string
}

// Validate says what is wrong with a schedule a person entered, in their
// words; nil when it can be saved.
func (s Schedule) Validate() error {
	var probs []string
	switch s.Every {
	case Daily, Weekly, Hourly:
		if s.Minute < 0 || s.Minute >= 24*60 {
			probs = append(probs, i18n.N("the time must be between 00:00 and 23:59"))
		}
		if s.Every == Weekly && (s.Weekday < time.Sunday || s.Weekday > time.Saturday) {
			probs = append(probs, i18n.N("choose a day of the week"))
		}
		if s.Every == Hourly && !slices.Contains(Hours, s.Hours) {
			probs = append(probs, i18n.N("every N hours takes 1, 2, 3, 4, 6, 8 or 12"))
		}
	default:
		probs = append(probs, i18n.N("choose daily, every N hours, or weekly"))
	}
	if s.Keep < KeepMin || s.Keep > KeepMax {
		probs = append(probs, i18n.N("keep between 1 and 4 snapshots, so one slot stays free for people"))
	}
	if s.ServerID <= 0 {
		probs = append(probs, i18n.N("choose a server"))
	}
	if len(probs) > 0 {
		return &InvalidError{Problems: probs}
	}
	return nil
}

// InvalidError lists what is wrong with a schedule.
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string { return strings.Join(e.Problems, "; ") }

// Next is the schedule's first run strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch s.Every {
	case Hourly:
		step := time.Duration(max(s.Hours, 1)) * time.Hour
		at := day.Add(time.Duration(s.first()) * time.Minute)
		for !at.After(t) {
			at = at.Add(step)
		}
		return at
	case Weekly:
		at := day.AddDate(0, 0, (int(s.Weekday)-int(day.Weekday())+7)%7).Add(time.Duration(s.Minute) * time.Minute)
		for !at.After(t) {
			at = at.AddDate(0, 0, 7)
		}
		return at
	default:
		at := day.Add(time.Duration(s.Minute) * time.Minute)
		for !at.After(t) {
			at = at.AddDate(0, 0, 1)
		}
		return at
	}
}

// Describe says how often the schedule runs: "every day at 03:00 UTC".
func (s Schedule) Describe() string { return s.DescribeIn(nil) }

// DescribeIn is Describe in tr's language.
func (s Schedule) DescribeIn(tr *i18n.Translator) string {
	switch s.Every {
	case Hourly:
		if s.Hours <= 1 {
			return tr.T("every hour at :%s UTC", fmt.Sprintf("%02d", s.Minute%60))
		}
		return tr.T("every %d hours from %s UTC", s.Hours, clock(s.first()))
	case Weekly:
		return tr.T("every %s at %s UTC", tr.Word(s.Weekday.String()), clock(s.Minute))
	default:
		return tr.T("every day at %s UTC", clock(s.Minute))
	}
}

// first is an Hourly schedule's first run of a day, in minutes after midnight.
func (s Schedule) first() int { return s.Minute % (max(s.Hours, 1) * 60) }

// Clock is a time of day in minutes after midnight, as HH:MM.
func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// ParseClock reads HH:MM into minutes after midnight.
func ParseClock(v string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(v))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Clock is the schedule's time of day as HH:MM (Daily, Weekly).
func (s Schedule) Clock() string { return clock(s.Minute) }

var notName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// SnapshotName is a run's snapshot name at t: auto-<server>-YYYYMMDD-HHMM,
// the server's name reduced to what VPS.org accepts in a name, with -2, -3,
// … when the server has it already.
func SnapshotName(server string, t time.Time, taken func(string) bool) string {
	server = strings.Trim(notName.ReplaceAllString(server, "-"), "-")
	if server == "" {
		server = "server"
	}
	base := "auto-" + server + "-" + t.UTC().Format("20060102-1504")
	name := base
	for n := 2; taken(name); n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	return name
}

// Steps of a run, in order. A step ending in "-sending" is recorded before
// its call: found on resume, the call's outcome is unknown and is resolved
// by listing, never by sending a create again.
const (
	StepCheck         = "check"          // deciding whether to run: server state, free slots
	StepPruneSending  = "prune-sending"  // deleting one of its own to make room before creating
	StepCreateSending = "create-sending" // creating the snapshot
	StepWaiting       = "waiting"        // waiting for it to complete
	StepRotating      = "rotating"       // choosing the next of its own old snapshots to delete
	StepDeleteSending = "delete-sending" // deleting one
)

// A run's states.
const (
	Running   = "running"
	Completed = "completed"
	Skipped   = "skipped" // nothing was sent; Detail says why
	Failed    = "failed"
)

// Run is one run of a schedule.
type Run struct {
	ID         int64
	ScheduleID int64
	ServerID   int64
	ServerName string
	ActivityID int64
	Slot       time.Time // the time it was due; a run now's is when it was asked
	Manual     bool      // "Run now", by Actor
	Actor      string

	Step         string
	State        string
	SnapshotID   int64
	SnapshotName string
	DeleteID     int64  // the snapshot being deleted at StepDeleteSending
	Deleted      string // names deleted so far, comma-separated
	Detail       string

	Started, Updated, Finished time.Time
}

// Owned is a snapshot a schedule created, recorded by id when VPS.org
// accepted it: the only snapshots its retention may delete.
type Owned struct {
	SnapshotID int64
	ScheduleID int64
	ServerID   int64
	Name       string
	Created    time.Time
}

// Errors.
var (
	ErrNotFound   = errors.New("no such schedule")
	ErrExists     = errors.New("the server already has a schedule")
	ErrRunning    = errors.New("a run of this schedule is under way")
	ErrNoRun      = errors.New("no such run")
	ErrNoToken    = errors.New("no automation token is configured")
	ErrNotAllowed = errors.New("schedules are limited to some groups")
)

// Store keeps schedules, their runs and the snapshots they created.
type Store interface {
	// Add saves a new schedule; ErrExists when its server has one.
	Add(ctx context.Context, s Schedule) (int64, error)
	// Update saves a schedule's settings, next run and pause.
	Update(ctx context.Context, s Schedule) error
	Get(ctx context.Context, id int64) (Schedule, error)
	Delete(ctx context.Context, id int64) error
	// List returns the schedules of servers (nil: all), by server name.
	List(ctx context.Context, servers []int64) ([]Schedule, error)
	// Due returns the unpaused schedules whose next run is at or before t.
	Due(ctx context.Context, t time.Time) ([]Schedule, error)
	// Advance moves a schedule's next run from one time to another, once:
	// false when another replica moved it first.
	Advance(ctx context.Context, id int64, from, to time.Time) (bool, error)
	// PauseAll pauses every schedule with a reason (VPS.org refused the
	// automation token); it returns how many it paused.
	PauseAll(ctx context.Context, why string) (int, error)

	// Open returns the run of a schedule's slot, adding it when there is
	// none; created is false when it existed. When another run of the
	// schedule is under way the new one is added already skipped.
	Open(ctx context.Context, r Run) (run Run, created bool, err error)
	Run(ctx context.Context, id int64) (Run, error)
	// Move saves a running run's step and what it learned, from step,
	// once: false when it was no longer there.
	Move(ctx context.Context, from string, r Run) (bool, error)
	// Recent returns the newest n runs of each of the schedules, by
	// schedule, newest first.
	Recent(ctx context.Context, scheduleIDs []int64, n int) (map[int64][]Run, error)
	// Finished records a run's end on its schedule.
	Finished(ctx context.Context, r Run) error
	// Alert sets a schedule's alert unless it has one (pausing it with pause);
	// true when this call set it.
	Alert(ctx context.Context, id int64, why string, pause bool) (bool, error)

	// Own records a snapshot the schedule created.
	Own(ctx context.Context, o Owned) error
	// Owned lists a schedule's snapshots, oldest first.
	Owned(ctx context.Context, scheduleID int64) ([]Owned, error)
	// Disown forgets a snapshot (deleted, or gone from VPS.org).
	Disown(ctx context.Context, snapshotID int64) error
}
