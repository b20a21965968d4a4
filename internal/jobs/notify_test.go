package jobs

import (
	"strings"
	"testing"

	"github.com/snapdash/snapdash/internal/activity"
	"github.com/snapdash/snapdash/internal/i18n"
)

// Names come from people and VPS.org: in Slack's markup they must read as
// text, never as a channel ping or a disguised link. Snapdash's own link
// stays a link.
func TestNoticeTextEscapesForSlack(t *testing.T) {
	m := message{
		Notice: Notice{Action: "restore", Server: "<!channel>", Snapshot: "<https://evil.example|click me>",
			Person: "mallory & co", Outcome: "failed", Detail: "VPS.org said <b>no</b>"},
		URL: "https://snapdash.example.com/?server_id=7",
	}
	text := noticeText(nil, m)
	for _, raw := range []string{"<!channel>", "<https://evil.example", "<b>", "mallory & co"} {
		if strings.Contains(text, raw) {
			t.Errorf("%q reached Slack unescaped: %s", raw, text)
		}
	}
	for _, want := range []string{"&lt;!channel&gt;", "&lt;https://evil.example|click me&gt;", "mallory &amp; co", "&lt;b&gt;no&lt;/b&gt;",
		" <https://snapdash.example.com/?server_id=7|Open in Snapdash>"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q: %s", want, text)
		}
	}
}

// The webhook speaks the operator's language (SNAPDASH_LANGUAGE).
func TestNoticeTextInCatalan(t *testing.T) {
	langs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := message{Notice: Notice{Action: "create", Server: "web-1", Snapshot: "abans", Person: "anna", Outcome: "completed"},
		DurationSeconds: 95, URL: "https://snapdash.example.com/?server_id=7"}
	got := noticeText(langs.For("ca"), m)
	want := "anna: instantània abans de web-1: completada al cap de 1m35s <https://snapdash.example.com/?server_id=7|Obre a Snapdash>"
	if got != want {
		t.Errorf("the Catalan notice is\n%s\nwant\n%s", got, want)
	}
	// A bulk delete's count and outcome are said in Catalan too.
	m = message{Notice: Notice{Action: "bulk delete", Server: i18n.Nf("%d snapshots", 5), Person: "anna", Outcome: i18n.Nf("%d deleted, %d not", 3, 2)}}
	if got := noticeText(langs.For("ca"), m); !strings.Contains(got, "5 instantànies") || strings.Contains(got, "deleted") || strings.Contains(got, "snapshots") {
		t.Errorf("a bulk delete's notice in Catalan: %s", got)
	}
	// A scheduled snapshot someone ran now says who, in the same words.
	m = message{Notice: Notice{Action: "scheduled snapshot", Server: "web-1", Snapshot: "auto-web-1", Person: "anna", RunNow: true, Outcome: "completed"}}
	if got := noticeText(langs.For("ca"), m); !strings.HasPrefix(got, "anna (executada ara)") || strings.Contains(got, "run now") {
		t.Errorf("a run now's notice in Catalan: %s", got)
	}
	// What a schedule did on its own is automation's, in Catalan.
	m = message{Notice: Notice{Action: "scheduled snapshot", Server: "web-1", Snapshot: "auto-web-1", Person: activity.Automation, Outcome: "completed"}}
	if got := noticeText(langs.For("ca"), m); !strings.HasPrefix(got, "automatització:") {
		t.Errorf("a scheduled run's notice in Catalan: %s", got)
	}
}
