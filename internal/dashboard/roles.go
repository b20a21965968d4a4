package dashboard

import (
	"slices"
	"strings"
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
	need, noun := r.Delete, "Deletes and unpins"
	switch action {
	case Restore:
		need, noun = r.Restore, "Restores"
	case ScheduleAction:
		need, noun = r.Schedule, "Schedules"
	}
	if len(need) == 0 || slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(need, g) }) {
		return true, ""
	}
	names := strings.Join(need, ", ")
	if len(need) > 1 {
		names = strings.Join(need[:len(need)-1], ", ") + " or " + need[len(need)-1]
		return false, noun + " are limited to the " + names + " groups."
	}
	return false, noun + " are limited to the " + names + " group."
}

// Roles are the dashboard's rules on who may restore and delete.
func (d *Dashboard) Roles() Roles { return d.roles }
