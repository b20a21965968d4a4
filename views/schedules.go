package views

import (
	"strconv"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
)

// SchedulesPage lists the schedules of the person's servers, with the form
// that adds one (or changes one, when Form.ID is set).
type SchedulesPage struct {
	Page
	Automation bool   // an automation token is configured: schedules run
	NoChange   string // why the person may not change schedules; "" when they may
	Refused    string // why schedules were paused by Snapdash (the token refused); "" when none
	// Unavailable says the schedules could not be read; the form still works.
	Unavailable string
	Rows        []ScheduleRow
	Form        ScheduleForm
	Watch       int64  // a run the page polls for: its id
	Polling     bool   // a run is under way, so the list refreshes itself
	Ended       *Flash // a watched run's end, announced by a poll
	Since       int64  // the newest change when it was read: a teammate's change shows by itself
}

// ScheduleRow is one schedule as the page lists it.
type ScheduleRow struct {
	ID         int64
	ServerName string
	When       string // "every day at 03:00 UTC, keeps its 3 newest, …"
	Paused     bool
	PausedWhy  string
	Alert      string // its runs failed or were skipped in a row: shown in red
	NextRun    time.Time
	Running    string // the running run's step in words; "" when none
	RunID      int64  // the running run's id
	Runs       []RunRow
}

// RunRow is one run of a schedule.
type RunRow struct {
	Started  time.Time
	State    string // running, completed, skipped, failed
	Snapshot string
	Detail   string
	By       string // "automation", or who ran it now
}

// ScheduleForm adds or changes a schedule; what the person typed stays in
// it when it is refused.
type ScheduleForm struct {
	ID            int64 // 0: a new schedule
	Servers       []ServerOption
	ServerID      int64
	ServerName    string
	Every         string // daily, hours, weekly
	Time          string // HH:MM, UTC
	Hours         int
	Weekday       int
	Keep          int
	SkipRestoring bool
	Errors        []string
	// RoomWarning: the server has fewer free slots than the schedule keeps;
	// the person saves anyway (confirm_room) or keeps fewer.
	RoomWarning string
}

// Weekdays name the days of the week, Sunday first, as time.Weekday counts
// and names them (a schedule's description says time.Weekday.String()).
var Weekdays = []string{i18n.N("Sunday"), i18n.N("Monday"), i18n.N("Tuesday"), i18n.N("Wednesday"), i18n.N("Thursday"), i18n.N("Friday"), i18n.N("Saturday")}

// ScheduleListID is the part of the page that refreshes while a run is under way.
const ScheduleListID = "schedule-list"

// ScheduleRowID is a schedule's row.
func ScheduleRowID(id int64) string { return "schedule-" + itoa(id) }

// PollURL is the address the list refreshes from while a run is under way.
func (d SchedulesPage) PollURL() string {
	return d.URL("/poll/schedules") + "?watch=" + itoa(d.Watch)
}

// action is the address of a schedule's action.
func (d SchedulesPage) action(id int64, what string) string {
	return d.URL("/schedules/" + itoa(id) + "/" + what)
}

// FormAction is where the form posts: a new schedule, or the one changed.
func (d SchedulesPage) FormAction() string {
	if d.Form.ID != 0 {
		return d.URL("/schedules/" + itoa(d.Form.ID))
	}
	return d.URL("/schedules")
}

func stateClass(state string) string {
	switch state {
	case "completed", "failed":
		return "badge " + state
	case "running":
		return "badge in_progress"
	}
	return "badge stopped"
}

func atoi(n int) string { return strconv.Itoa(n) }

// ScheduleLine is a server's schedule as its card shows it.
type ScheduleLine struct {
	ID          int64
	When        string
	Paused      bool
	NextRun     time.Time
	LastOutcome string // "" before the first run
	Alert       string // its runs failed or were skipped in a row: shown in red
}
