// Package views holds the templ components. They format; they do not decide.
package views

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/snapdash/snapdash/internal/i18n"
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
	// Section is the page's place in the navigation (its English title);
	// Lang its language's code; Here its own address, to come back to
	// after the language is changed.
	Section string
	Lang    string
	Here    string
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
func HumanSize(ctx context.Context, mb *int64) string { return humanSize(i18n.From(ctx), mb) }

// humanSize is HumanSize in tr's language, written without formatting
// machinery: a page says one on every row.
func humanSize(tr *i18n.Translator, mb *int64) string {
	var buf [32]byte
	return string(appendSize(buf[:0], tr, mb))
}

func appendSize(b []byte, tr *i18n.Translator, mb *int64) []byte {
	if mb == nil {
		return append(b, "—"...)
	}
	switch v := *mb; {
	case v >= 1024*1024:
		return tr.AppendFloat(b, "%.1f TB", float64(v)/(1024*1024))
	case v >= 1024:
		return tr.AppendFloat(b, "%.1f GB", float64(v)/1024)
	default:
		return tr.AppendInt(b, "%d MB", v)
	}
}

// appendAge appends how long ago t was, relative to now, in tr's language:
// "just now", "3 h ago", "2 d ago"; a plural ("1 month ago") by the
// language's rules, without the catalog's printer.
func appendAge(b []byte, tr *i18n.Translator, t, now time.Time) []byte {
	d := now.Sub(t)
	var n int64
	var key string
	switch {
	case d < time.Minute:
		return append(b, tr.T("just now")...)
	case d < time.Hour:
		n, key = int64(d/time.Minute), i18n.N("%d min ago")
	case d < 48*time.Hour:
		n, key = int64(d/time.Hour), i18n.N("%d h ago")
	case d < 60*24*time.Hour:
		n, key = int64(d/(24*time.Hour)), i18n.N("%d d ago")
	case d < 730*24*time.Hour:
		n, key = int64(d/(30*24*time.Hour)), i18n.N("%d months ago")
	default:
		n, key = int64(d/(365*24*time.Hour)), i18n.N("%d years ago")
	}
	return tr.AppendInt(b, key, n) // n ≥ 1 past the first minute
}

const utcLayout = "2006-01-02 15:04:05 UTC"

// UTC formats the exact time for the hover title and datetime attribute.
func UTC(t time.Time) string { return t.UTC().Format(utcLayout) }

// ISO is the machine-readable form for <time datetime>.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// StatusLabel turns an upstream status into words; unknown ones are shown verbatim.
func StatusLabel(ctx context.Context, s string) string {
	switch s {
	case "in_progress":
		return t(ctx, "in progress")
	case "":
		return t(ctx, "unknown")
	case "completed":
		return t(ctx, "completed")
	case "failed":
		return t(ctx, "failed")
	case "error":
		return t(ctx, "error")
	case "running":
		return t(ctx, "running")
	case "stopped":
		return t(ctx, "stopped")
	case "restoring":
		return t(ctx, "restoring")
	}
	return strings.ReplaceAll(s, "_", " ") // VPS.org's own word
}

// badgeKind is the badge's colour: the status, when it is one Snapdash
// knows, so upstream text never becomes a class name.
func badgeKind(s string) string {
	switch s {
	case "completed", "in_progress", "failed", "error", "running", "stopped", "restoring":
		return s
	}
	return "unknown"
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
//
// scrollIntoViewOnBoost false: a row's boosted link opens a dialog, and
// the page must stay where it is under it, not scroll to #dialog's slot.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"defaultSettleDelay":0,"scrollIntoViewOnBoost":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"401","swap":false,"error":true},` +
	`{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

// joinGroups lists SSO groups for the header.
func joinGroups(groups []string) string { return strings.Join(groups, ", ") }

// t is key in the language of the request being rendered (i18n.T).
func t(ctx context.Context, key string, args ...any) string { return i18n.T(ctx, key, args...) }

// WordsScript is the script that gives app.js and notify.js their words in
// tr's language (window.snapdashWords, keyed by their English): served as a
// static asset, made once a language at start, so a page carries one
// cached <script> instead of the words in an attribute (WordsAsset).
func WordsScript(tr *i18n.Translator) []byte {
	m := make(map[string]string, len(jsWords))
	for _, k := range jsWords {
		m[k] = tr.Word(k)
	}
	b, _ := json.Marshal(m) // escapes <, > and &, and U+2028 and U+2029
	return append(append([]byte("window.snapdashWords = "), b...), ";\n"...)
}

// WordsAsset is the name WordsScript is served under for a language.
func WordsAsset(lang string) string { return "words-" + lang + ".js" }

var jsWords = []string{i18n.N("Close"), i18n.N("Close this message"), i18n.N("Copied."), i18n.N("Could not copy: select the token and copy it."),
	i18n.N("None selected"), i18n.N("1 selected"), i18n.N("{n} selected"), i18n.N("You will be notified"), i18n.N("Notify me when it finishes"),
	i18n.N("The restore has ended."), i18n.N("The scheduled snapshot has ended.")}
