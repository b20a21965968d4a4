// Package htmx reads htmx request headers and sets its response headers, on
// plain net/http types so the web framework stays in web/ and handlers/.
package htmx

import "net/http"

// Enabled reports whether r came from htmx (HX-Request).
func Enabled(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// Navigate sends the browser to url as a full page: HX-Redirect for htmx
// (with 200: a 401 is what the SSO proxy sends, and app.js reloads on it),
// 303 See Other for a plain request.
func Navigate(w http.ResponseWriter, r *http.Request, url string) {
	if Enabled(r) {
		w.Header().Set("HX-Redirect", url)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// Retarget swaps the response into the element matched by selector instead.
func Retarget(w http.ResponseWriter, selector string) { w.Header().Set("HX-Retarget", selector) }

// Reswap changes the swap style, such as "outerHTML".
func Reswap(w http.ResponseWriter, style string) { w.Header().Set("HX-Reswap", style) }
