package handlers

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/views"
)

func FuzzValidateCreate(f *testing.F) {
	for _, seed := range [][2]string{
		{"before-upgrade", "Before the upgrade"}, {"", ""}, {"bad name!", ""}, {"ünïcode", "ok"},
		{strings.Repeat("a", 101), ""}, {"ok", strings.Repeat("é", 501)}, {"a\x00b", "\xff\xfe"}, {"-_-", "<script>"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, name, desc string) {
		errs := validateCreate(name, desc)
		if _, bad := errs["name"]; !bad {
			if name == "" || len(name) > maxNameLen || !nameRule.MatchString(name) {
				t.Errorf("name %q accepted", name)
			}
		} else if errs["name"] == "" {
			t.Error("a name error without words")
		}
		if _, bad := errs["description"]; !bad {
			if !utf8.ValidString(desc) || utf8.RuneCountInString(desc) > maxDescriptionLen {
				t.Errorf("description %q accepted", desc)
			}
		}
	})
}

func FuzzParseServerID(f *testing.F) {
	for _, s := range []string{"", "12345", "0", "-1", "+7", "abc", "99999999999999999999", "1e3", " 5", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseServerID(s)
		switch {
		case !ok && id != 0:
			t.Errorf("%q: refused but id %d", s, id)
		case ok && s == "" && id != 0:
			t.Errorf("empty gave %d", id)
		case ok && s != "" && id <= 0:
			t.Errorf("%q: accepted non-positive %d", s, id)
		case ok && s != "":
			if back, _ := strconv.ParseInt(s, 10, 64); back != id {
				t.Errorf("%q parsed as %d", s, id)
			}
		}
	})
}

// FuzzParsePoll feeds hostile query strings to the poll endpoint's parser, and
// checks that what views writes into a poll URL reads back the same.
func FuzzParsePoll(f *testing.F) {
	f.Add("ip=901,902&r=1&st=running&n=3")
	f.Add("ip=-1,abc,,3&r=yes&st=<script>&n=-5")
	f.Add("n=99999999999999999999&ip=" + strings.Repeat("1,", 100))
	f.Add("%zz=1&st=restoring")
	e := echo.New()
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "/poll/servers/1", nil)
		req.URL.RawQuery = query
		c := e.NewContext(req, httptest.NewRecorder())
		p := parsePoll(c)
		if len(p.inProgress) > maxTracked || slices.ContainsFunc(p.inProgress, func(id int64) bool { return id <= 0 }) {
			t.Errorf("%q: in-progress ids %v", query, p.inProgress)
		}
		if p.status != "" && p.status != "running" && p.status != "stopped" && p.status != "restoring" {
			t.Errorf("%q: status %q let through", query, p.status)
		}
		if p.unchanged < 0 || p.unchanged >= 1000 {
			t.Errorf("%q: unchanged %d", query, p.unchanged)
		}
		// Round trip through the URL the page would carry.
		spec := views.PollSpec{ServerID: 1, InProgress: p.inProgress, Restoring: p.restoring, Status: p.status, After: p.unchanged}
		u, err := url.Parse(spec.URL())
		if err != nil {
			t.Fatalf("poll URL %q: %v", spec.URL(), err)
		}
		req2 := httptest.NewRequest("GET", "/", nil)
		req2.URL.RawQuery = u.RawQuery
		again := parsePoll(e.NewContext(req2, httptest.NewRecorder()))
		if !slices.Equal(again.inProgress, p.inProgress) || again.restoring != p.restoring || again.status != p.status || again.unchanged != p.unchanged {
			t.Errorf("round trip of %q: %+v became %+v", query, p, again)
		}
	})
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/?server_id=1", "//evil.example", "https://evil.example", "/\\evil", "", "/a\r\nSet-Cookie: x", "javascript:alert(1)"} {
		f.Add(s)
	}
	site := &Site{}
	f.Fuzz(func(t *testing.T, p string) {
		got := site.LocalPath(p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Errorf("%q became %q, which could leave Snapdash", p, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Errorf("%q became %q, not a URL: %v", p, got, err)
		} else if u.Host != "" || u.Scheme != "" {
			t.Errorf("%q became %q with host %q", p, got, u.Host)
		}
	})
}
