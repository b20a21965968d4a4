// Package render writes templ components through a buffer, so a failing
// component never sends half a page.
package render

import (
	"bytes"
	"sync"

	"net/http"

	"github.com/a-h/templ"
)

// keepCap is the largest buffer kept for reuse; a rare huge page is left to
// the garbage collector instead of pinning its memory.
const keepCap = 256 << 10

// Renderer renders components through buffers it reuses: a page is tens of
// kilobytes, and growing a fresh buffer for each was the largest allocation
// of a page view.
type Renderer struct {
	bufs sync.Pool
}

// Component renders comp with status. On a render error nothing is written and
// the error is returned, for the central error handler.
func (r *Renderer) Component(w http.ResponseWriter, req *http.Request, status int, comp templ.Component) error {
	buf, _ := r.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= keepCap {
			buf.Reset()
			r.bufs.Put(buf)
		}
	}()
	if err := comp.Render(req.Context(), buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
