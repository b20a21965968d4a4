package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/i18n"
)

// Notice is the outcome of a job, for the people who left the page: the
// webhook's message. It holds no token, ever.
type Notice struct {
	Action   string        `json:"action"` // create, restore, or "restore with a safety snapshot"
	Server   string        `json:"server"`
	ServerID int64         `json:"server_id"`
	Snapshot string        `json:"snapshot"`
	Person   string        `json:"person"`
	RunNow   bool          `json:"run_now,omitempty"` // a scheduled snapshot Person asked for now
	Outcome  string        `json:"outcome"`           // an activity final outcome
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"-"`
}

// Notify is the job delivering one notice to the webhook, retried with
// backoff by River when the webhook fails.
type Notify struct {
	Notice Notice `json:"notice"`
	// Seconds is the job's duration, in the arguments as a plain number.
	Seconds int64 `json:"seconds"`
}

// Kind names the job in River.
func (Notify) Kind() string { return "notify_webhook" }

// notifyAttempts bounds the deliveries of one notice: with River's backoff
// (attempt⁴ seconds) the last is some hours after the first.
const notifyAttempts = 10

// Notify queues a notice for the webhook; without one configured it does
// nothing. A failure to queue is logged: a notice never stops a job.
func (r *Runner) Notify(ctx context.Context, n Notice) {
	if r.webhook == "" {
		return
	}
	_, err := r.client.Insert(context.WithoutCancel(ctx), Notify{Notice: n, Seconds: int64(n.Duration.Round(time.Second) / time.Second)},
		&river.InsertOpts{MaxAttempts: notifyAttempts})
	if err != nil {
		r.log.ErrorContext(ctx, "notification not queued", "action", n.Action, "server_id", n.ServerID, "error", err)
	}
}

// message is what the webhook receives: Slack's text, and the fields.
type message struct {
	Text string `json:"text"`
	Notice
	DurationSeconds int64  `json:"duration_seconds"`
	URL             string `json:"url,omitempty"`
}

type notifyWorker struct {
	river.WorkerDefaults[Notify]
	r *Runner
}

func (w *notifyWorker) Timeout(*river.Job[Notify]) time.Duration { return 15 * time.Second }

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[Notify]) error {
	r, n := w.r, job.Args.Notice
	m := message{Notice: n, DurationSeconds: job.Args.Seconds}
	if r.publicURL != "" {
		m.URL = r.publicURL + "?server_id=" + strconv.FormatInt(n.ServerID, 10)
	}
	m.Text = noticeText(r.words, m)
	body, err := json.Marshal(m)
	if err != nil {
		return river.JobCancel(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.webhook, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Snapdash")
	resp, err := r.webhookClient.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			err = fmt.Errorf("the webhook answered %d", resp.StatusCode)
		}
	}
	if err != nil {
		// The address may carry a secret (Slack's does): never logged.
		r.log.WarnContext(ctx, "notification not delivered; River tries again later", "attempt", job.Attempt, "of", notifyAttempts, "error", redact(err, r.webhook))
		if r.observeNotify != nil {
			r.observeNotify(false)
		}
		return errors.New(redact(err, r.webhook))
	}
	if r.observeNotify != nil {
		r.observeNotify(true)
	}
	return nil
}

// noticeText is the message in Slack's words: who, what, how it ended, a
// link. Every value is escaped for Slack's markup (a server named
// "<!channel>" must not ping a channel); only Snapdash's own link is raw.
func noticeText(tr *i18n.Translator, m message) string {
	// A bulk delete's "server" is its count, a sentence Word says.
	person, server, snapshot := slackEscape(m.Person), slackEscape(tr.Word(m.Server)), slackEscape(m.Snapshot)
	switch {
	case m.RunNow:
		person = tr.T("%s (run now)", person)
	case m.Person == activity.Automation:
		person = tr.T("automation")
	}
	action := slackEscape(tr.Word(actionWords[m.Action]))
	if action == "" {
		action = slackEscape(m.Action)
	}
	what := tr.T("%s's %s of %s", person, action, server)
	if m.Snapshot != "" {
		switch m.Action {
		case "create":
			what = tr.T("%s's snapshot %s of %s", person, snapshot, server)
		case "scheduled snapshot":
			what = tr.T("%s's scheduled snapshot %s of %s", person, snapshot, server)
		default:
			what = tr.T("%s's %s of %s from %s", person, action, server, snapshot)
		}
	}
	text := what + ": " + slackEscape(tr.Word(m.Outcome))
	if m.DurationSeconds > 0 {
		text += " " + tr.T("after %s", (time.Duration(m.DurationSeconds)*time.Second).String())
	}
	if m.Detail != "" {
		text += " (" + slackEscape(tr.Word(m.Detail)) + ")"
	}
	if m.URL != "" {
		text += " <" + m.URL + "|" + tr.T("Open in Snapdash") + ">"
	}
	return text
}

// actionWords are the notices' actions as the catalog has them.
var actionWords = map[string]string{
	"create": i18n.N("create"), "restore": i18n.N("restore"), "restore with a safety snapshot": i18n.N("restore with a safety snapshot"),
	"bulk delete": i18n.N("bulk delete"), "scheduled snapshot": i18n.N("scheduled snapshot"), "schedule": i18n.N("schedule"),
}

// slackEscape writes &, < and > as Slack asks, so a value is read as text:
// no mention, no link, no channel ping.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// redact keeps the webhook's address (which may hold a secret) out of an
// error's words.
func redact(err error, webhook string) string {
	return string(bytes.ReplaceAll([]byte(err.Error()), []byte(webhook), []byte("[webhook]")))
}
