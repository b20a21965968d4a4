package dashboard

import (
	"context"
	"errors"
	"strings"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/internal/restores"
	"github.com/snapdash/snapdash/internal/submitguard"
	"github.com/snapdash/snapdash/vpsapi"
)

// Why an action did not happen, or may not have.
type Why int

// Reasons, from Explain.
const (
	Accepted        Why = iota // no error: VPS.org took it
	Repeat                     // the same form was already sent: its outcome stands
	GuardDown                  // the double-submit guard's store is down: nothing was sent
	TokenRefused               // VPS.org refused the token: the session must end
	Gone                       // VPS.org has no such server or snapshot
	RefusedUpstream            // VPS.org said no, in its own words
	NotKnown                   // no answer: it may or may not have happened
	NameTaken                  // the server already has a snapshot of that name
	NotSent                    // a check before the call failed: nothing was sent
)

// Explanation is an action's outcome in the person's words.
type Explanation struct {
	Why    Why
	Text   string
	Fields map[string]string // VPS.org's words about a create form's fields
	Reason Reason            // what kind of outcome: the handler picks the HTTP status
}

// Reason is what kind of outcome an action or a page met, for whoever
// answers it: the handlers choose the HTTP status, the use cases do not.
type Reason int

// Reasons.
const (
	ReasonOK           Reason = iota // done, or a repeat whose outcome stands
	ReasonInvalid                    // it cannot be done as asked: say what to change
	ReasonConflict                   // the state forbids it now (pinned, a restore running)
	ReasonGone                       // VPS.org has no such item
	ReasonUnavailable                // Snapdash's own store or job engine cannot answer
	ReasonUpstream                   // VPS.org did not answer, or refused in its words
	ReasonUpstreamSlow               // VPS.org took too long to answer
	ReasonTokenRefused               // VPS.org refused the token
)

// Explain puts an action's error in the person's words. It is the one place
// that maps VPS.org's and the guard's errors to what people read after an
// action; Problem does the same for pages.
func Explain(ctx context.Context, a Action, err error) Explanation {
	var ve *vpsapi.Error
	switch {
	case err == nil:
		return Explanation{Why: Accepted, Reason: ReasonOK}
	case errors.Is(err, submitguard.ErrAlreadySubmitted):
		return Explanation{Why: Repeat, Reason: ReasonOK,
			Text: i18n.T(ctx, "This form was already submitted, so it was not sent to VPS.org again. The list shows what happened.")}
	case errors.Is(err, submitguard.ErrClaimUnavailable):
		return Explanation{Why: GuardDown, Reason: ReasonUnavailable,
			Text: i18n.T(ctx, "Snapdash could not check whether this form was already sent (its shared store is not answering), so nothing was sent. Try again in a moment.")}
	case errors.Is(err, ErrNameTaken):
		return Explanation{Why: NameTaken, Reason: ReasonInvalid,
			Text: i18n.T(ctx, "%s already has a snapshot named %s. Create snapshot again to make a second one with the same name, or choose another name.", a.ServerName, a.SnapshotName)}
	case errors.Is(err, vpsapi.ErrUnauthorized):
		return Explanation{Why: TokenRefused, Reason: ReasonTokenRefused}
	case errors.As(err, new(PinnedError)):
		var pe PinnedError
		errors.As(err, &pe)
		return Explanation{Why: NotSent, Reason: ReasonConflict,
			Text: i18n.T(ctx, "%s is pinned by %s (%s), so it cannot be deleted. Unpin it first if it may go. Nothing was sent.", a.SnapshotName, pe.Pin.Actor, pe.Pin.Reason)}
	case errors.Is(err, ErrInUse):
		return Explanation{Why: NotSent, Reason: ReasonConflict,
			Text: i18n.T(ctx, "%s is used by a running restore of %s, so it cannot be deleted until the restore has finished. Nothing was sent.", a.SnapshotName, a.ServerName)}
	case errors.Is(err, ErrUnprotected):
		return Explanation{Why: NotSent, Reason: ReasonUnavailable,
			Text: i18n.T(ctx, "Snapdash could not read its pins and running restores, so nothing was deleted. Try again in a moment.")}
	case errors.Is(err, restores.ErrAlreadyRunning):
		return Explanation{Why: NotSent, Reason: ReasonConflict,
			Text: i18n.T(ctx, "A restore of %s, or a new snapshot making room on it, is already running, so nothing was sent. Its progress shows on the server's card.", a.ServerName)}
	case errors.Is(err, ErrNoFreeSlot):
		return Explanation{Why: NotSent, Reason: ReasonInvalid,
			Text: i18n.T(ctx, "%s has %d of %d snapshots, so there is no room for a safety snapshot. Choose a snapshot to delete first, or restore without a safety snapshot. Nothing was sent.", a.ServerName, Limit, Limit)}
	case errors.Is(err, ErrBadDeleteChoice) && a.Kind == Create:
		return Explanation{Why: NotSent, Reason: ReasonInvalid,
			Text: i18n.T(ctx, "That snapshot can no longer be deleted to make room: it was pinned, is in progress, is used by a restore, or is gone. Choose another. Nothing was sent.")}
	case errors.Is(err, ErrBadDeleteChoice):
		return Explanation{Why: NotSent, Reason: ReasonInvalid,
			Text: i18n.T(ctx, "That snapshot cannot be deleted to make room: it is the one being restored, still in progress, or gone. Choose another. Nothing was sent.")}
	case errors.Is(err, vpsapi.ErrNotFound):
		text := map[string]string{
			Create:  i18n.T(ctx, "VPS.org has no server %d on this account any more. It may have been deleted.", a.ServerID),
			Restore: i18n.T(ctx, "The snapshot is no longer there, so nothing was restored."),
			Delete:  i18n.T(ctx, "That snapshot was already deleted."),
		}[a.Kind]
		return Explanation{Why: Gone, Reason: ReasonGone, Text: text}
	case errors.Is(err, ErrNoRecord), errors.Is(err, ErrNotSent) && !errors.As(err, &ve):
		// Stopped before the call by Snapdash's own store, not by VPS.org.
		return Explanation{Why: NotSent, Reason: ReasonUnavailable,
			Text: i18n.T(ctx, "Snapdash cannot record this action right now (its database is not answering), so nothing was sent to VPS.org. Try again in a moment.")}
	case errors.Is(err, ErrNotSent):
		return Explanation{Why: NotSent, Reason: ReasonUpstream,
			Text: i18n.T(ctx, "VPS.org did not answer, so nothing was sent. Try again in a moment.")}
	case errors.As(err, &ve) && errors.Is(err, vpsapi.ErrRejected):
		return refused(ctx, a, ve)
	default:
		text := map[string]string{
			Create:  i18n.T(ctx, "VPS.org did not answer, so it is not known whether the snapshot was started. Check the list before submitting again."),
			Restore: i18n.T(ctx, "VPS.org did not answer, so it is not known whether the restore started. Check the server's status before trying again."),
			Delete:  i18n.T(ctx, "VPS.org did not answer, so it is not known whether the snapshot was deleted. Check the list before trying again."),
		}[a.Kind]
		return Explanation{Why: NotKnown, Reason: ReasonUpstream, Text: text}
	}
}

// refused words VPS.org's own refusal; a create's field errors go to its fields.
func refused(ctx context.Context, a Action, ve *vpsapi.Error) Explanation {
	e := Explanation{Why: RefusedUpstream, Reason: ReasonInvalid}
	switch a.Kind {
	case Restore:
		e.Text = i18n.T(ctx, "VPS.org refused the restore:") + " " + ve.Summary()
	case Delete:
		e.Text = i18n.T(ctx, "VPS.org refused to delete it:") + " " + ve.Summary()
	default:
		e.Fields = map[string]string{}
		for field, msgs := range ve.Fields {
			if field == "name" || field == "description" {
				e.Fields[field] = strings.Join(msgs, " ")
			}
		}
		if sum := ve.Summary(); sum != "" {
			e.Text = i18n.T(ctx, "VPS.org refused:") + " " + sum
		} else if len(e.Fields) == 0 {
			e.Text = i18n.T(ctx, "VPS.org refused the snapshot without saying why.")
		}
		for field, msgs := range ve.Fields {
			if field != "name" && field != "description" && field != "non_field_errors" {
				e.Text += " " + field + ": " + strings.Join(msgs, " ")
			}
		}
	}
	return e
}

// PageProblem is what a page says when VPS.org's answer stopped it.
type PageProblem struct {
	Reason           Reason
	Heading, Message string
}

// Problem puts an error from VPS.org that stopped a page in the person's
// words; ok is false for any other error.
func Problem(ctx context.Context, err error) (p PageProblem, ok bool) {
	if errors.Is(err, ErrUnprotected) {
		return PageProblem{ReasonUnavailable, i18n.T(ctx, "Snapdash cannot check this now"),
			i18n.T(ctx, "Snapdash could not read its pins and running restores, so it deletes nothing until it can. Your session is fine and nothing was changed; try again in a moment.")}, true
	}
	var ve *vpsapi.Error
	if !errors.As(err, &ve) {
		return PageProblem{}, false
	}
	switch {
	case errors.Is(err, vpsapi.ErrUnavailable):
		p = PageProblem{ReasonUpstream, i18n.T(ctx, "VPS.org is not answering"),
			i18n.T(ctx, "Snapdash could not get an answer from the VPS.org API. Your session is fine and nothing was changed by this page; try again in a moment.")}
		if errors.Is(err, context.DeadlineExceeded) {
			p.Reason = ReasonUpstreamSlow
			p.Message = i18n.T(ctx, "The VPS.org API took too long to answer. Your session is fine; try again in a moment.")
		}
	case errors.Is(err, vpsapi.ErrNotFound):
		p = PageProblem{ReasonGone, i18n.T(ctx, "Not found"), i18n.T(ctx, "VPS.org has no such item on your account. It may have been deleted.")}
	default:
		p = PageProblem{ReasonUpstream, i18n.T(ctx, "VPS.org refused the request"), ve.Summary()}
	}
	return p, true
}
