// Package views holds the templ components. They format; they do not decide.
package views

import (
	"encoding/json"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Page is what every full page needs from the request.
type Page struct {
	Title     string
	BasePath  string                   // "" or "/prefix", no trailing slash
	Asset     func(name string) string // URL of a static asset
	CSRF      string
	Simulator bool
	Identity  string   // SSO identity, when the proxy supplied one
	Groups    []string // its SSO groups
	SignedIn  bool
	TokenHint string // "token …abcd" of the signed-in person
	Flashes   []Flash
	ReadAt    time.Time // when the page was read: without JavaScript it says so
}

// Flash is a message shown once.
type Flash struct {
	Kind FlashKind
	Text string
}

// FlashKind is what a message reports: a success, a problem, or news.
type FlashKind string

// Kinds of message; the value is also its CSS class and how a session stores it.
const (
	FlashOK    FlashKind = "ok"
	FlashError FlashKind = "error"
	FlashInfo  FlashKind = "info"
)

// DocumentTitle is the browser tab's title: the page's own, shortened so a
// long snapshot name still leaves "· Snapdash" in view. It stays within 70
// characters as written in the HTML (escaped, counted in UTF-16 as a
// browser's script would), which is what validators measure.
func (p Page) DocumentTitle() string {
	const suffix, limit = " · Snapdash", 70 - 11
	var b strings.Builder
	n := 0
	for i, r := range p.Title {
		w := len(utf16.Encode([]rune(html.EscapeString(string(r)))))
		if n+w > limit-1 && i+utf8.RuneLen(r) < len(p.Title) || n+w > limit {
			b.WriteRune('…')
			break
		}
		b.WriteRune(r)
		n += w
	}
	return b.String() + suffix
}

// URL prefixes path with the base path.
func (p Page) URL(path string) string { return p.BasePath + path }

// HXHeaders is the JSON for hx-headers on <body>: every htmx request carries the CSRF token.
func (p Page) HXHeaders() string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": p.CSRF})
	return string(b)
}

// HumanSize formats megabytes as a person reads them: "5.0 GB", "512 MB".
func HumanSize(mb *int64) string {
	if mb == nil {
		return "—"
	}
	v := *mb
	switch {
	case v >= 1024*1024:
		return strconv.FormatFloat(float64(v)/(1024*1024), 'f', 1, 64) + " TB"
	case v >= 1024:
		return strconv.FormatFloat(float64(v)/1024, 'f', 1, 64) + " GB"
	default:
		return strconv.FormatInt(v, 10) + " MB"
	}
}

// appendAge appends how long ago t was, relative to now: "just now", "3 h ago", "2 d ago".
func appendAge(b []byte, t, now time.Time) []byte {
	d := now.Sub(t)
	n, unit := int64(0), ""
	switch {
	case d < time.Minute:
		return append(b, "just now"...)
	case d < time.Hour:
		n, unit = int64(d/time.Minute), " min ago"
	case d < 48*time.Hour:
		n, unit = int64(d/time.Hour), " h ago"
	case d < 60*24*time.Hour:
		n, unit = int64(d/(24*time.Hour)), " d ago"
	case d < 730*24*time.Hour:
		n, unit = int64(d/(30*24*time.Hour)), " months ago"
	default:
		n, unit = int64(d/(365*24*time.Hour)), " years ago"
	}
	return append(strconv.AppendInt(b, n, 10), unit...)
}

const utcLayout = "2006-01-02 15:04:05 UTC"

// UTC formats the exact time for the hover title and datetime attribute.
func UTC(t time.Time) string { return t.UTC().Format(utcLayout) }

// ISO is the machine-readable form for <time datetime>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// StatusLabel turns an upstream status into words; unknown ones are shown verbatim.
func StatusLabel(s string) string {
	switch s {
	case "in_progress":
		return "in progress"
	case "":
		return "unknown"
	}
	return strings.ReplaceAll(s, "_", " ")
}

// BadgeClass keeps the CSS class to known statuses, so upstream text never becomes a class name.
func BadgeClass(s string) string {
	switch s {
	case "completed", "in_progress", "failed", "error", "running", "stopped", "restoring":
		return "badge " + s
	}
	return "badge unknown"
}

func flashClass(kind FlashKind) string {
	switch kind {
	case FlashOK, FlashError:
		return string(kind)
	}
	return string(FlashInfo)
}

// htmxConfig keeps htmx within the CSP (no eval, no injected styles or
// scripts) and says which answers are swapped: 422 re-renders a form with its
// errors; a 401 (the SSO proxy's) is left to app.js, which reloads the page.
//
// defaultSettleDelay 0: htmx wires up swapped-in content (its links' and
// forms' handlers) when it settles, 20 ms after the swap by default; a click
// in between followed the plain link, a full page instead of a dialog (a
// browser test met it when the change feed refreshed a card). At 0 it
// settles in the swap itself.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"defaultSettleDelay":0,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"401","swap":false,"error":true},` +
	`{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

// joinGroups lists SSO groups for the header.
func joinGroups(groups []string) string { return strings.Join(groups, ", ") }
