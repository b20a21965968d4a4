package views_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/snapdash/snapdash/views"
)

// FuzzParsePoll feeds hostile query strings to the poll URL's parser, and
// checks that what it keeps is sane and that a URL written from it reads back
// the same.
func FuzzParsePoll(f *testing.F) {
	f.Add("ip=901,902&r=1&st=running&n=3")
	f.Add("ip=-1,abc,,3&r=yes&st=<script>&n=-5")
	f.Add("n=99999999999999999999&ip=" + strings.Repeat("1,", 100))
	f.Add("%zz=1&st=restoring&retry=1&full=1")
	f.Fuzz(func(t *testing.T, query string) {
		q, _ := url.ParseQuery(query)
		p := views.ParsePoll("/base", 1, q)
		if len(p.InProgress) > 20 || slices.ContainsFunc(p.InProgress, func(id int64) bool { return id <= 0 }) {
			t.Errorf("%q: in-progress ids %v", query, p.InProgress)
		}
		if p.Status != "" && p.Status != "running" && p.Status != "stopped" && p.Status != "restoring" {
			t.Errorf("%q: status %q let through", query, p.Status)
		}
		if p.After < 0 || p.After > 6 || p.Interval() <= 0 {
			t.Errorf("%q: step %d, interval %s", query, p.After, p.Interval())
		}
		u, err := url.Parse(p.URL())
		if err != nil || !strings.HasPrefix(u.Path, "/base/poll/servers/1") {
			t.Fatalf("poll URL %q: %v", p.URL(), err)
		}
		if u.RawQuery != u.Query().Encode() {
			t.Errorf("poll URL %q is not in url.Values' form %q", p.URL(), u.Query().Encode())
		}
		again := views.ParsePoll("/base", 1, u.Query())
		if !slices.Equal(again.InProgress, p.InProgress) || again.Restoring != p.Restoring || again.Status != p.Status ||
			again.After != p.After || again.Retry != p.Retry || again.Full != p.Full {
			t.Errorf("round trip of %q: %+v became %+v", query, p, again)
		}
	})
}

// Every field a poll URL carries comes back as it was written, and the
// query is in url.Values' own order and escaping (a URL is compared as a
// string to tell an unchanged poller).
func TestPollURLCarriesEveryField(t *testing.T) {
	for _, p := range []views.PollSpec{
		{Base: "/sd", ServerID: 12345},
		{ServerID: 1, InProgress: []int64{3, 1, 2}, Restoring: true, Status: "restoring", Job: 9, Step: "safety-cancelling",
			After: 3, Retry: true, Full: true, FromStore: true},
		{ServerID: 2, Status: "stopped", Job: 4, Step: "", After: 99},
	} {
		u, err := url.Parse(p.URL())
		if err != nil {
			t.Fatal(err)
		}
		if u.RawQuery != u.Query().Encode() {
			t.Errorf("%s: not in url.Values' form %q", p.URL(), u.Query().Encode())
		}
		got := views.ParsePoll(p.Base, p.ServerID, u.Query())
		want := p
		want.After = min(p.After, 6)
		if !slices.Equal(got.InProgress, want.InProgress) || got.Restoring != want.Restoring || got.Status != want.Status ||
			got.Job != want.Job || got.Step != want.Step || got.After != want.After || got.Retry != want.Retry ||
			got.Full != want.Full || got.FromStore != want.FromStore || u.Path != p.Base+"/poll/servers/"+strconv.FormatInt(p.ServerID, 10) {
			t.Errorf("%s read back as %+v", p.URL(), got)
		}
	}
}

// Backoff: unchanged polls slow down to 15 s and stay there; a failure jumps
// to at least the third step and marks its note for clearing.
func TestPollBackoffSteps(t *testing.T) {
	p := views.PollSpec{ServerID: 7}
	var got []string
	for range 9 {
		got = append(got, p.Interval().String())
		p = p.Next()
	}
	if got[0] != "2s" || got[len(got)-1] != "15s" || got[len(got)-2] != "15s" {
		t.Errorf("intervals %v", got)
	}
	if p.Next().URL() != p.URL() {
		t.Error("at the slowest pace the next poller differs: an unchanged poll would change the page")
	}
	f := views.PollSpec{ServerID: 7}.AfterFailure()
	if f.Interval().Seconds() < 3 || !f.Retry || f.Next().Retry {
		t.Errorf("after a failure: %s, retry %v, then %v", f.Interval(), f.Retry, f.Next().Retry)
	}
}
