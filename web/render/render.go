// Package render writes templ components through a buffer, so a failing
// component never sends half a page.
package render

import (
	"bytes"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
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
// the error goes to the central handler.
func (r *Renderer) Component(c echo.Context, status int, comp templ.Component) error {
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
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.Blob(status, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}
