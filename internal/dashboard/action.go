package dashboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/vpsapi"
)

// Kinds of action, as the activity record names them.
const (
	Create  = activity.Create
	Restore = activity.Restore
	Delete  = activity.Delete
)

// Action is one create, restore or delete a person submitted.
type Action struct {
	Kind    string // Create, Restore or Delete
	Actor   string // who, for the record: the SSO identity or "token …abcd"
	Token   vpsapi.Token
	Session string // the session it came from: a job following it stops at its sign-out
	// Groups are the person's SSO groups: a job's step that deletes or
	// restores checks the roles against them again.
	Groups []string
	FormID string // the submitted form's id: a repeat of it reaches VPS.org once

	ServerID     int64
	ServerName   string
	SnapshotID   int64  // restore, delete
	SnapshotName string // the name asked for (create) or the snapshot's
	Description  string // create

	// AllowDuplicateName: the person was warned the server already has a
	// snapshot of this name, and submitted it again.
	AllowDuplicateName bool

	// Safety (restore): snapshot the server's current state first, and
	// restore only once that snapshot completed; a job does it all.
	Safety bool
	// DeleteFirst (restore with Safety, or create, at Limit snapshots):
	// the snapshot the person chose to delete to free a slot.
	DeleteFirst int64
}

// Result is what VPS.org answered an action that went through.
type Result struct {
	Created     vpsapi.Created   // create
	Restored    vpsapi.Restored  // restore
	SafeRestore restores.Restore // restore with a safety snapshot: the job started

	recordID int64 // the record written before the call, completed after it
}

// ErrNoRecord: the action could not be recorded before its call, so it was
// not sent: every action VPS.org accepts is recorded and followed.
var ErrNoRecord = errors.New("the action cannot be recorded now")

// ErrNameTaken: the server already has a snapshot of the name asked for;
// nothing was sent.
var ErrNameTaken = errors.New("the server already has a snapshot of that name")

// ErrNotSent: a check before the call failed, so nothing reached VPS.org.
var ErrNotSent = errors.New("nothing was sent to VPS.org")

// Errors of an action that needs a job (a restore with a safety snapshot, a
// new snapshot that makes room), found before anything is sent.
var (
	// ErrNoFreeSlot: the server has Limit snapshots, so a safety snapshot
	// needs one deleted first (or the restore made without one).
	ErrNoFreeSlot = errors.New("the server has no free snapshot slot")
	// ErrBadDeleteChoice: the snapshot chosen to free a slot cannot be
	// deleted: it is the one being restored, in progress, or gone.
	ErrBadDeleteChoice = errors.New("that snapshot cannot be deleted to free a slot")
)

// notSent wraps why an action stopped before anything was sent to VPS.org.
type notSent struct{ error }

func (e notSent) Unwrap() error { return e.error }

// BeforeSending marks why an action's start stopped before anything
// reached VPS.org, for ActWith.
func BeforeSending(err error) error { return notSent{err} }

// Act runs an action: the double-submit guard first (a repeat of the form
// waits for and gets the first one's outcome), then the call to VPS.org,
// which runs to its end whatever the browser does, then the record of who
// did it and how it ended. The error is VPS.org's, the guard's
// (submitguard.ErrAlreadySubmitted, submitguard.ErrClaimUnavailable) or ErrNameTaken; Explain puts
// any of them in the person's words.
func (d *Dashboard) Act(ctx context.Context, a Action) (Result, error) {
	return d.ActWith(ctx, a, d.Send)
}

// ActWith is Act with a feature's own start in place of the one call
// (a restore with a safety snapshot starts a job that records itself). A
// start's errors from before anything was sent are wrapped in NotSent.
func (d *Dashboard) ActWith(ctx context.Context, a Action, start func(context.Context, Action) (Result, error)) (Result, error) {
	v, err, dup := d.guard.Do(ctx, submitguard.FormKey(a.Kind, a.Token, a.FormID), func(ctx context.Context) (any, error) {
		return start(ctx, a)
	})
	res, _ := v.(Result)
	var ns notSent
	if errors.As(err, &ns) {
		if errors.Is(ns.error, ErrNameTaken) {
			return res, ns.error
		}
		return res, fmt.Errorf("%w: %w", ErrNotSent, ns.error)
	}
	// A restore with a safety snapshot, or a snapshot taken after making
	// room, was recorded as its job started.
	if !dup && !errors.Is(err, submitguard.ErrClaimUnavailable) && res.SafeRestore.ID == 0 {
		d.record(ctx, a, res, err)
	}
	if err != nil && !errors.Is(err, submitguard.ErrAlreadySubmitted) && !errors.Is(err, submitguard.ErrClaimUnavailable) && errors.Is(err, vpsapi.ErrUnavailable) {
		d.log.WarnContext(ctx, a.Kind+" failed", "snapshot_id", a.SnapshotID, "server_id", a.ServerID, "error", err)
	}
	return res, err
}

// Send makes the one call to VPS.org an action needs, recorded before it
// (Act's start, inside the guard).
func (d *Dashboard) Send(ctx context.Context, a Action) (Result, error) {
	var res Result
	var err error
	if a.Safety || a.DeleteFirst != 0 {
		// A programming error: the restore service starts these as jobs.
		return res, notSent{errors.New("dashboard: a restore with a safety snapshot, or making room, is the restore service's")}
	}
	switch a.Kind {
	case Create:
		// Inside the guard, so a double click gets this same answer.
		if !a.AllowDuplicateName {
			snaps, err := d.api.ListSnapshots(ctx, a.Token, a.ServerID)
			if err != nil || slices.ContainsFunc(snaps, func(s vpsapi.Snapshot) bool { return s.Name == a.SnapshotName && s.Server.ID == a.ServerID }) {
				return res, notSent{cmp.Or(err, ErrNameTaken)}
			}
		}
		if res.recordID, err = d.intend(ctx, a); err != nil {
			return res, notSent{err}
		}
		res.Created, err = d.api.CreateSnapshot(ctx, a.Token, vpsapi.CreateRequest{ServerID: a.ServerID, Name: a.SnapshotName, Description: a.Description})
	case Restore:
		// One restore of a server at a time: a confirmation opened before a
		// teammate's restore job started must not restore under it.
		if d.restores != nil {
			running, err := d.restores.Running(ctx, []int64{a.ServerID})
			if err != nil {
				return res, notSent{err}
			}
			if len(running) > 0 {
				return res, notSent{restores.ErrAlreadyRunning}
			}
		}
		if res.recordID, err = d.intend(ctx, a); err != nil {
			return res, notSent{err}
		}
		res.Restored, err = d.api.RestoreSnapshot(ctx, a.Token, a.SnapshotID)
	case Delete:
		// The one rule of what must not be deleted, asked here, as it is
		// sent: the dialog read it earlier, and a restore may have started
		// reading the snapshot since.
		if err := d.mayDelete(ctx, a); err != nil {
			return res, notSent{err}
		}
		if res.recordID, err = d.intend(ctx, a); err != nil {
			return res, notSent{err}
		}
		err = d.api.DeleteSnapshot(ctx, a.Token, a.SnapshotID)
	default:
		err = fmt.Errorf("dashboard: no action %q", a.Kind)
	}
	return res, err
}

// intend records an action before its call, as Sending: if the database
// cannot take it, nothing is sent (ErrNoRecord).
func (d *Dashboard) intend(ctx context.Context, a Action) (int64, error) {
	if d.activity == nil {
		return 0, nil
	}
	id, err := d.activity.Add(ctx, activity.Record{
		Time: d.now().UTC(), Actor: a.Actor, Action: a.Kind, ServerID: a.ServerID,
		ServerName: cmp.Or(a.ServerName, fmt.Sprintf("server %d", a.ServerID)), SnapshotID: a.SnapshotID, SnapshotName: a.SnapshotName,
		Outcome: activity.Sending,
	})
	if err != nil {
		return 0, errors.Join(ErrNoRecord, err)
	}
	return id, nil
}

// record writes how an action recorded before its call ended, to the log
// and the activity record, even when the browser has gone, then has a job
// follow it. When the database cannot take it, it is kept and tried again
// until it can (recordLater): what VPS.org accepted is never left unrecorded.
func (d *Dashboard) record(ctx context.Context, a Action, res Result, err error) {
	ctx = context.WithoutCancel(ctx)
	out, detail := outcome(err)
	r := activity.Record{
		ID: res.recordID, Time: d.now().UTC(), Actor: a.Actor, Action: a.Kind,
		ServerID: a.ServerID, ServerName: cmp.Or(a.ServerName, res.Created.Server.Name, fmt.Sprintf("server %d", a.ServerID)),
		SnapshotID: cmp.Or(res.Created.ID, a.SnapshotID), SnapshotName: a.SnapshotName,
		Outcome: out, Detail: cmp.Or(detail, res.Created.Message, res.Restored.Message),
	}
	d.log.LogAttrs(ctx, slog.LevelInfo, "activity",
		slog.String("actor", r.Actor), slog.String("action", r.Action), slog.String("outcome", r.Outcome),
		slog.Int64("server_id", r.ServerID), slog.String("server", r.ServerName),
		slog.Int64("snapshot_id", r.SnapshotID), slog.String("snapshot", r.SnapshotName),
		slog.String("detail", r.Detail))
	if d.activity == nil || r.ID == 0 {
		return
	}
	if err := d.complete(ctx, a, r); err != nil {
		d.log.ErrorContext(ctx, "activity not stored; kept to be tried again", "activity_id", r.ID, "error", err)
		go d.recordLater(ctx, a, r)
	}
}

// complete writes a record's outcome and starts its follow job.
func (d *Dashboard) complete(ctx context.Context, a Action, r activity.Record) error {
	if err := d.activity.Complete(ctx, r.ID, r.Outcome, r.Detail, r.ServerName, r.SnapshotID); err != nil {
		return err
	}
	return d.startFollow(ctx, a, r)
}

// startFollow has a job follow an accepted create or restore to its end
// (or a create whose answer was lost, to learn whether it happened), with
// the token of the person who started it. When inserting the job fails,
// the error says so (the caller tries again).
func (d *Dashboard) startFollow(ctx context.Context, a Action, r activity.Record) error {
	accepted := r.Outcome == activity.Started && (a.Kind == Create || a.Kind == Restore)
	// A create whose answer was lost is resolved by listing, never by
	// sending it again.
	unknown := r.Outcome == activity.Unknown && a.Kind == Create
	if d.follow == nil || r.ID == 0 || !(accepted || unknown) {
		return nil
	}
	if err := d.follow.Start(ctx, r, a.Session, a.Token); err != nil {
		return fmt.Errorf("the action's follow job was not started: %w", err)
	}
	return nil
}

// recordLater tries an outcome again until the database takes it (at
// most RecordRetry), with the person's token in this process's memory
// only; the record says "sending" meanwhile, which Activity shows as not
// known.
func (d *Dashboard) recordLater(ctx context.Context, a Action, r activity.Record) {
	deadline := d.now().Add(RecordRetry)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		time.Sleep(wait)
		err := d.complete(ctx, a, r)
		if err == nil {
			d.log.InfoContext(ctx, "activity stored after the database came back", "activity_id", r.ID)
			return
		}
		if d.now().After(deadline) {
			d.log.ErrorContext(ctx, "activity not stored; its record says it is not known whether it happened", "activity_id", r.ID, "error", err)
			return
		}
	}
}

// RecordRetry is how long an action's outcome is tried again while the
// database cannot take it.
const RecordRetry = 15 * time.Minute

// outcome turns the upstream's answer into an activity outcome and its words.
func outcome(err error) (string, string) {
	var ve *vpsapi.Error
	switch {
	case err == nil:
		return activity.Started, ""
	case errors.As(err, &ve) && (errors.Is(err, vpsapi.ErrRejected) || errors.Is(err, vpsapi.ErrNotFound)):
		msg := ve.Summary()
		if msg == "" {
			msg = ve.Kind.Error()
		}
		for f, m := range ve.Fields {
			if f != "non_field_errors" {
				msg += " " + f + ": " + m[0]
			}
		}
		return activity.Refused, msg
	default:
		return activity.Unknown, i18n.N("VPS.org did not answer")
	}
}

// mayDelete asks Protection whether a's snapshot may be deleted, and records
// a refusal. Unreadable, it is refused (ErrUnprotected).
func (d *Dashboard) mayDelete(ctx context.Context, a Action) error {
	prot, err := d.Protection(ctx, a.Token, map[int64]string{a.ServerID: ""})
	if err != nil {
		return err
	}
	var why string
	p, pinned := prot.Pinned(a.SnapshotID)
	switch {
	case pinned:
		why, err = i18n.Nf("pinned by %s: %s", p.Actor, p.Reason), PinnedError{p}
	case prot.InUse(a.SnapshotID):
		why, err = WhyInUse, ErrInUse
	default:
		return nil
	}
	d.RecordDecision(ctx, activity.Record{Time: d.now().UTC(), Actor: a.Actor, Action: Delete, ServerID: a.ServerID, ServerName: a.ServerName,
		SnapshotID: a.SnapshotID, SnapshotName: a.SnapshotName, Outcome: activity.Refused, Detail: i18n.Nf("refused by Snapdash: %s", why)})
	return err
}
