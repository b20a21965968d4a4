package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/dashboard"
	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/jobs"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/steps"
	"github.com/snapdash/snapdash/vpsapi"
)

// The steps of a restore with a safety snapshot (and of a new snapshot that
// makes room first): at most one call that changes anything per run of its
// job, each recorded before and after.

// AdvanceRestore moves a restore on by at most one call to VPS.org that
// changes anything, recording each step before and after it. It returns how
// long to wait before the next step, and done once the restore has ended.
// An error means VPS.org could not be asked; the job tries again later.
func (s *Service) Advance(ctx context.Context, id int64, token vpsapi.Token) (jobs.Next, error) {
	r, err := s.restores.Get(ctx, id)
	if err != nil {
		return jobs.Next{}, err
	}
	if r.State != restores.Running {
		return jobs.Next{Done: true}, nil
	}
	next, err := s.advance(ctx, r, token)
	if errors.Is(err, vpsapi.ErrUnauthorized) {
		s.endRestore(ctx, r, restores.Stopped, activity.TokenRefused, i18n.N("VPS.org refused the token during the restore"))
		return jobs.Next{Done: true}, nil
	}
	return next, err
}

func (s *Service) advance(ctx context.Context, r restores.Restore, token vpsapi.Token) (jobs.Next, error) {
	wait := jobs.Next{Wait: vpsapi.PaceAfter(s.now().Sub(r.Updated))}
	if r.CancelRequested && r.Cancellable() {
		deleted := r.DeleteID != 0 && r.Step != restores.StepDeleteSending
		if r.DeleteID != 0 && r.Step == restores.StepDeleteSending {
			// Its DELETE may have gone out (its answer lost, a replica
			// died): the list tells what the cancel came after.
			snaps, err := s.job.ListSnapshots(ctx, token, r.ServerID)
			if err != nil {
				return wait, err
			}
			deleted = !slices.ContainsFunc(snaps, func(sn vpsapi.Snapshot) bool { return sn.ID == r.DeleteID })
		}
		s.endRestore(ctx, r, restores.Cancelled, activity.Cancelled, cancelledWords(r, deleted))
		return jobs.Next{Done: true}, nil
	}
	switch r.Step {
	case restores.StepDeleteSending:
		// Found here, the delete may have gone through before a replica
		// died: the list tells. Only a snapshot still listed is checked and
		// deleted (again: a second delete finds nothing), so an end never
		// says it was not deleted when it was.
		snaps, err := s.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		if slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == r.DeleteID }) {
			if next, ended, err := s.deleteToMakeRoom(ctx, r, token, wait); ended || err != nil {
				return next, err
			}
		}
		return s.move(ctx, r, restores.StepDeleteSending, func(r *restores.Restore) { r.Step = restores.StepCreateSending })
	case restores.StepCreateSending:
		// Found here, the create may have been sent before a replica died:
		// the list tells, and only a create not found is sent.
		snaps, err := s.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		if sn, ok := safetyIn(snaps, r); ok {
			return s.move(ctx, r, restores.StepCreateSending, func(r *restores.Restore) { r.Step, r.SafetyID = restores.StepSafety, sn.ID })
		}
		desc := fmt.Sprintf("Safety snapshot before restoring %s from %s, by %s", r.ServerName, r.SnapshotName, r.Actor)
		refused := func(why string) string {
			return i18n.Nf("VPS.org refused the safety snapshot, so nothing was restored: %s", why)
		}
		if r.Creates() {
			desc, refused = r.Description, func(why string) string {
				return i18n.Nf("VPS.org refused the snapshot (after %s was deleted to make room): %s", r.DeleteName, why)
			}
		}
		created, err := s.job.CreateSnapshot(ctx, token, vpsapi.CreateRequest{ServerID: r.ServerID, Name: r.SafetyName, Description: desc})
		if err != nil {
			return s.refusedOr(ctx, r, err, jobs.Next{Wait: vpsapi.Pace(2)}, refused)
		}
		return s.move(ctx, r, restores.StepCreateSending, func(r *restores.Restore) { r.Step, r.SafetyID = restores.StepSafety, created.ID })
	case restores.StepSafety:
		snaps, err := s.job.ListSnapshots(ctx, token, r.ServerID)
		if err != nil {
			return wait, err
		}
		i := slices.IndexFunc(snaps, func(s vpsapi.Snapshot) bool { return s.ID == r.SafetyID })
		switch {
		case i < 0 && r.Creates():
			s.endRestore(ctx, r, restores.Failed, activity.Lost, i18n.Nf("%s is gone from VPS.org before it completed", r.SafetyName))
			return jobs.Next{Done: true}, nil
		case i < 0:
			s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("the safety snapshot %s is gone from VPS.org, so nothing was restored", r.SafetyName))
			return jobs.Next{Done: true}, nil
		case snaps[i].Failed() && r.Creates():
			s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("%s was deleted to make room; %s", r.DeleteName, steps.FailedWords(snaps[i].Status)))
			return jobs.Next{Done: true}, nil
		case snaps[i].Failed():
			s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("the safety snapshot %s %s, so nothing was restored", r.SafetyName, snaps[i].Status))
			return jobs.Next{Done: true}, nil
		case !snaps[i].Done():
			if s.now().Sub(r.Started) > SafetyLimit {
				s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("the safety snapshot %s was still %s after %d min, so nothing was restored",
					r.SafetyName, strings.ReplaceAll(snaps[i].Status, "_", " "), int(SafetyLimit/time.Minute)))
				return jobs.Next{Done: true}, nil
			}
			return wait, nil
		}
		if r.Creates() {
			r.SafetyDone = s.now().UTC()
			s.endRestore(ctx, r, restores.Done, activity.Completed, i18n.Nf("%s was deleted to make room, then %s was taken", r.DeleteName, r.SafetyName))
			return jobs.Next{Done: true}, nil
		}
		if ok, why := s.roles.Allows(r.Groups, dashboard.Restore); !ok {
			s.endRestore(ctx, r, restores.Stopped, activity.Stopped, i18n.Nf("refused by Snapdash before the restore: %s The safety snapshot %s stays; nothing was restored.", why, r.SafetyName))
			return jobs.Next{Done: true}, nil
		}
		// Complete: record the step before the call, unless a cancel came first.
		r.SafetyDone = s.now().UTC()
		moved, err := s.restores.Move(ctx, restores.StepSafety, withStep(r, restores.StepRestoreSending))
		if err != nil {
			return wait, err
		}
		if !moved {
			return jobs.Next{Wait: time.Second}, nil // cancelled, or moved elsewhere: look again
		}
		r.Step = restores.StepRestoreSending
		return s.sendRestore(ctx, r, token)
	case restores.StepRestoreSending:
		// Found here, on a later run, the restore may have been sent before a
		// replica died: never send it again; the server's status tells.
		// A server not restoring may have finished already: not known.
		srv, err := s.job.GetServer(ctx, token, r.ServerID)
		switch {
		case errors.Is(err, vpsapi.ErrNotFound):
			// No Servers API: open as long as a restore may run, so what it
			// may be reading from is not deleted meanwhile.
			if left := r.SafetyDone.Add(vpsapi.RestoreTakes).Sub(s.now()); left > 0 {
				return jobs.Next{Wait: left}, nil
			}
			s.endRestore(ctx, r, restores.Unknown, activity.NotKnown, i18n.N("its answer was lost, and VPS.org does not tell the server's status; it was not sent again, so check the server before trying again"))
			return jobs.Next{Done: true}, nil
		case err != nil:
			return wait, err
		case srv.Status == vpsapi.ServerRestoring:
			return s.move(ctx, r, restores.StepRestoreSending, func(r *restores.Restore) { r.Step, r.RestoreSent = restores.StepRestoring, s.now().UTC() })
		}
		s.endRestore(ctx, r, restores.Unknown, activity.NotKnown, i18n.N("its answer was lost, and the server is not restoring now: the restore may have finished already, or never arrived; it was not sent again, so check the server before trying again"))
		return jobs.Next{Done: true}, nil
	case restores.StepRestoring:
		srv, err := s.job.GetServer(ctx, token, r.ServerID)
		switch {
		case errors.Is(err, vpsapi.ErrNotFound):
			// No Servers API: open as long as a restore may run (what it
			// reads from is kept), then ended without claiming how it went.
			if left := r.RestoreSent.Add(vpsapi.RestoreTakes).Sub(s.now()); left > 0 {
				return jobs.Next{Wait: left}, nil
			}
			s.endRestore(ctx, r, restores.Done, activity.Stopped, i18n.N("restore sent; VPS.org does not tell when the server runs again"))
			return jobs.Next{Done: true}, nil
		case err != nil:
			return wait, err
		case srv.Status == vpsapi.ServerRestoring:
			if s.now().Sub(r.RestoreSent) > RestoringLimit {
				s.endRestore(ctx, r, restores.StillRunning, activity.StillRunning, i18n.Nf("still restoring after %d min", int(RestoringLimit/time.Minute)))
				return jobs.Next{Done: true}, nil
			}
			return wait, nil
		case srv.Status == vpsapi.ServerRunning || srv.Status == vpsapi.ServerStopped:
			s.endRestore(ctx, r, restores.Done, activity.Completed, "")
			return jobs.Next{Done: true}, nil
		}
		s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("the server is %s after the restore", srv.Status))
		return jobs.Next{Done: true}, nil
	}
	return jobs.Next{Done: true}, fmt.Errorf("dashboard: restore %d at unknown step %q", r.ID, r.Step)
}

// sendRestore sends the restore, recorded at StepRestoreSending before.
func (s *Service) sendRestore(ctx context.Context, r restores.Restore, token vpsapi.Token) (jobs.Next, error) {
	_, err := s.job.RestoreSnapshot(ctx, token, r.SnapshotID)
	if err != nil {
		var ve *vpsapi.Error
		if errors.As(err, &ve) && (errors.Is(err, vpsapi.ErrRejected) || errors.Is(err, vpsapi.ErrNotFound)) {
			s.endRestore(ctx, r, restores.Failed, activity.Failed, i18n.Nf("VPS.org refused the restore: %s; the safety snapshot %s stays", ve.Summary(), r.SafetyName))
			return jobs.Next{Done: true}, nil
		}
		if errors.Is(err, vpsapi.ErrUnauthorized) {
			return jobs.Next{}, err
		}
		// No answer: the next run asks the server's status, never resends;
		// soon, while a restore that went through still shows as restoring.
		return jobs.Next{Wait: time.Second}, nil
	}
	return s.move(ctx, r, restores.StepRestoreSending, func(r *restores.Restore) { r.Step, r.RestoreSent = restores.StepRestoring, s.now().UTC() })
}

// deleteToMakeRoom asks again what may have changed since the choice, then
// deletes the chosen snapshot; ended is true when the restore ended (a
// check refused it, or VPS.org refused the delete), or the step is to be
// tried again (err, or next's wait).
func (s *Service) deleteToMakeRoom(ctx context.Context, r restores.Restore, token vpsapi.Token, wait jobs.Next) (next jobs.Next, ended bool, err error) {
	// Roles may have changed since it started.
	if ok, why := s.roles.Allows(r.Groups, dashboard.Delete); !ok {
		s.endRestore(ctx, r, restores.Stopped, activity.Stopped, i18n.Nf("refused by Snapdash before deleting %s: %s Nothing was deleted or restored.", r.DeleteName, why))
		return jobs.Next{Done: true}, true, nil
	}
	// VPS.org takes no snapshot of a restoring server: deleting now would
	// lose one for a snapshot that cannot be taken. Without a Servers API
	// the status stays unknown ("").
	status := ""
	if srv, err := s.job.GetServer(ctx, token, r.ServerID); err == nil {
		status = srv.Status
	} else if !errors.Is(err, vpsapi.ErrNotFound) {
		return wait, true, err
	}
	if status == vpsapi.ServerRestoring {
		detail := i18n.Nf("%s was not deleted: %s is being restored, and VPS.org takes no snapshot of it meanwhile; nothing was restored", r.DeleteName, r.ServerName)
		if r.Kind == restores.KindCreate {
			detail = i18n.Nf("%s was not deleted: %s is being restored, and VPS.org takes no snapshot of it meanwhile; %s was not created", r.DeleteName, r.ServerName, r.SafetyName)
		}
		s.endRestore(ctx, r, restores.Failed, activity.Failed, detail)
		return jobs.Next{Done: true}, true, nil
	}
	// The one rule of what must not be deleted, asked again (with the
	// status just read, so it asks VPS.org nothing more): a pin or a
	// restore reading from it may have come since the choice. Unread, it
	// deletes nothing (the step is tried again).
	prot, err := s.dash.Protection(ctx, token, map[int64]string{r.ServerID: status})
	if err != nil {
		return wait, true, err
	}
	if why := prot.Why(r.DeleteID); why != "" {
		detail := i18n.Nf("%s was not deleted (%s meanwhile) and nothing was restored", r.DeleteName, why)
		if r.Kind == restores.KindCreate {
			detail = i18n.Nf("%s was not deleted (%s meanwhile) and %s was not created", r.DeleteName, why, r.SafetyName)
		}
		s.endRestore(ctx, r, restores.Failed, activity.Failed, detail)
		return jobs.Next{Done: true}, true, nil
	}
	if err := s.job.DeleteSnapshot(ctx, token, r.DeleteID); err != nil && !errors.Is(err, vpsapi.ErrNotFound) {
		next, err := s.refusedOr(ctx, r, err, wait, func(why string) string {
			return i18n.Nf("VPS.org refused to delete %s, so no safety snapshot was taken and nothing was restored: %s", r.DeleteName, why)
		})
		return next, true, err
	}
	return jobs.Next{}, false, nil
}

// refusedOr ends the restore when VPS.org refused a call, said by said with
// VPS.org's own words, and
// otherwise waits to look again (an unknown outcome is resolved by listing).
func (s *Service) refusedOr(ctx context.Context, r restores.Restore, err error, wait jobs.Next, said func(vpsWords string) string) (jobs.Next, error) {
	var ve *vpsapi.Error
	if errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected) {
		s.endRestore(ctx, r, restores.Failed, activity.Failed, said(ve.Summary()))
		return jobs.Next{Done: true}, nil
	}
	if errors.Is(err, vpsapi.ErrUnauthorized) {
		return jobs.Next{}, err
	}
	return wait, nil
}

// move records the restore's next step, from step.
func (s *Service) move(ctx context.Context, r restores.Restore, from string, change func(*restores.Restore)) (jobs.Next, error) {
	change(&r)
	if _, err := s.restores.Move(context.WithoutCancel(ctx), from, r); err != nil {
		return jobs.Next{Wait: time.Second}, err
	}
	return jobs.Next{Wait: vpsapi.Pace(0)}, nil
}

func withStep(r restores.Restore, step string) restores.Restore {
	r.Step = step
	return r
}

// safetyIn finds the restore's safety snapshot in a list: its name, made
// since the restore started.
func safetyIn(snaps []vpsapi.Snapshot, r restores.Restore) (vpsapi.Snapshot, bool) {
	return steps.MadeSince(snaps, r.SafetyName, r.Started)
}

// cancelledWords says what a cancel came after: deleted is whether the
// snapshot chosen to make room was deleted by then.
func cancelledWords(r restores.Restore, deleted bool) string {
	switch {
	case r.Creates() && deleted:
		return i18n.Nf("cancelled after %s was deleted to make room; nothing was created", r.DeleteName)
	case r.Creates():
		return i18n.N("cancelled: nothing was deleted or created")
	case deleted && r.SafetyID != 0:
		return i18n.Nf("cancelled before the restore was sent; %s was deleted to make room, and the safety snapshot %s stays", r.DeleteName, r.SafetyName)
	case deleted:
		return i18n.Nf("cancelled before anything was restored; %s was deleted to make room", r.DeleteName)
	case r.SafetyID != 0:
		return i18n.Nf("cancelled before the restore was sent; the safety snapshot %s stays", r.SafetyName)
	}
	return i18n.N("cancelled before anything was restored")
}

// endRestore records how a restore ended, on the restore and on its
// activity record (once).
func (s *Service) endRestore(ctx context.Context, r restores.Restore, state, final, detail string) {
	ctx = context.WithoutCancel(ctx)
	from := r.Step
	r.State, r.Detail, r.Finished = state, detail, s.now().UTC()
	if _, err := s.restores.Move(ctx, from, r); err != nil {
		s.log.ErrorContext(ctx, "restore's end not stored", "restore_id", r.ID, "error", err)
	}
	recorded, err := s.activity.Finish(ctx, r.ActivityID, final, detail, r.Finished)
	if err != nil {
		s.log.ErrorContext(ctx, "restore's outcome not stored", "restore_id", r.ID, "error", err)
	} else if !recorded && detail != "" {
		// Stopped while its call was on its way: the record says why it
		// stopped; this says what it had done.
		if err := s.activity.Explain(ctx, r.ActivityID, detail); err != nil {
			s.log.ErrorContext(ctx, "restore's end not explained", "restore_id", r.ID, "error", err)
		}
	}
	if recorded {
		n := jobs.Notice{Action: "restore with a safety snapshot", Server: r.ServerName, ServerID: r.ServerID,
			Snapshot: r.SnapshotName, Person: r.Actor, Outcome: final, Detail: detail, Duration: r.Finished.Sub(r.Started)}
		if r.Creates() {
			n.Action, n.Snapshot = "create", r.SafetyName
		}
		s.jobs.Notify(ctx, n)
	}
	s.log.InfoContext(ctx, "restore ended", "restore_id", r.ID, "server_id", r.ServerID, "state", state, "detail", detail,
		"duration", r.Finished.Sub(r.Started).Round(time.Second).String())
}

// StopRestore ends a restore whose job lost its token (a sign-out): state
// stopped, nothing more sent.
func (s *Service) stop(ctx context.Context, id int64, final string) {
	r, err := s.restores.Get(ctx, id)
	if err != nil || r.State != restores.Running {
		return
	}
	s.endRestore(ctx, r, restores.Stopped, final, stoppedWords(r))
}

// stoppedWords says what a restore stopped at its step had done, from what
// was recorded, never guessing: a call recorded as on its way may or may
// not have reached VPS.org.
func stoppedWords(r restores.Restore) string {
	switch r.Step {
	case restores.StepDeleteSending:
		return i18n.Nf("stopped while deleting %s to make room: it may have been deleted; nothing was restored", r.DeleteName)
	case restores.StepCreateSending:
		return i18n.Nf("stopped while the safety snapshot %s was asked for: it may exist; nothing was restored", r.SafetyName)
	case restores.StepSafety:
		return i18n.Nf("stopped before the restore: the safety snapshot %s stays; nothing was restored", r.SafetyName)
	case restores.StepRestoreSending:
		return i18n.N("stopped while the restore was on its way: it is not known whether VPS.org received it; check the server")
	case restores.StepRestoring:
		return i18n.N("the restore had been sent and VPS.org accepted it: the server restores; Snapdash stopped following it")
	}
	return ""
}
