package dashboard

import (
	"slices"
	"strings"

	"github.com/snapdash/snapdash/internal/i18n"
)

// Roles limits restores and deletes to members of SSO groups. They are
// Snapdash's own rules, beside the token's authority at VPS.org; an empty
// list leaves the action to everyone.
type Roles struct {
	Restore []string // groups whose members may restore
	Delete  []string // groups whose members may delete (and unpin)
	// Schedule: groups whose members may create, change, pause, run and
	// delete schedules.
	Schedule []string
}

// ScheduleAction is changing a schedule, for Roles.Allows.
const ScheduleAction = "schedule"

// Allows reports whether a person in groups may take the action (Restore,
// Delete, or Unpin, which counts as a delete), and if not, why in words.
func (r Roles) Allows(groups []string, action string) (bool, string) {
	return r.AllowsIn(nil, groups, action)
}

// AllowsIn is Allows with the why in tr's language (a job's record keeps
// English: nil).
func (r Roles) AllowsIn(tr *i18n.Translator, groups []string, action string) (bool, string) {
	need := r.Delete
	switch action {
	case Restore:
		need = r.Restore
	case ScheduleAction:
		need = r.Schedule
	}
	if len(need) == 0 || slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(need, g) }) {
		return true, ""
	}
	if len(need) == 1 {
		switch action {
		case Restore:
			return false, tr.T("Restores are limited to the %s group.", need[0])
		case ScheduleAction:
			return false, tr.T("Schedules are limited to the %s group.", need[0])
		}
		return false, tr.T("Deletes and unpins are limited to the %s group.", need[0])
	}
	names := strings.Join(need[:len(need)-1], ", ") + tr.T(" or ") + need[len(need)-1]
	switch action {
	case Restore:
		return false, tr.T("Restores are limited to the %s groups.", names)
	case ScheduleAction:
		return false, tr.T("Schedules are limited to the %s groups.", names)
	}
	return false, tr.T("Deletes and unpins are limited to the %s groups.", names)
}

// Roles are the dashboard's rules on who may restore and delete.
func (d *Dashboard) Roles() Roles { return d.roles }
