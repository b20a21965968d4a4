package handlers

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzValidateCreate(f *testing.F) {
	for _, seed := range [][2]string{
		{"before-upgrade", "Before the upgrade"}, {"", ""}, {"bad name!", ""}, {"ünïcode", "ok"},
		{strings.Repeat("a", 101), ""}, {"ok", strings.Repeat("é", 501)}, {"a\x00b", "\xff\xfe"}, {"-_-", "<script>"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, name, desc string) {
		errs := validateCreate(context.Background(), name, desc)
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
		id, ok := ParseServerID(s)
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
