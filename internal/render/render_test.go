package render_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/a-h/templ"

	"github.com/snapdash/snapdash/internal/render"
)

func TestFailingComponentSendsNothing(t *testing.T) {
	rec := httptest.NewRecorder()
	half := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<html><body><h1>half a page")
		return errors.New("template blew up")
	})
	var r render.Renderer
	if err := r.Component(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, half); err == nil {
		t.Fatal("the render error was swallowed")
	}
	if rec.Code != http.StatusOK || len(rec.Header()) != 0 || rec.Body.Len() != 0 {
		t.Errorf("half a page was sent: headers %v, %q", rec.Header(), rec.Body.String())
	}
}

func TestComponentWithStatus(t *testing.T) {
	rec := httptest.NewRecorder()
	var r render.Renderer
	if err := r.Component(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusUnprocessableEntity, templ.Raw("<p>ok</p>")); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusUnprocessableEntity || rec.Body.String() != "<p>ok</p>" || rec.Header().Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Errorf("%d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
	}
}

// Buffers are reused: what a failed or earlier render wrote must never reach
// a later answer.
func TestReusedBufferStartsEmpty(t *testing.T) {
	var r render.Renderer
	half := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<p>secret half</p>")
		return errors.New("template blew up")
	})
	for i, comp := range []templ.Component{templ.Raw("<p>first</p>"), half, templ.Raw("<p>second</p>"), templ.Raw("<p>third</p>")} {
		rec := httptest.NewRecorder()
		err := r.Component(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, comp)
		want := map[int]string{0: "<p>first</p>", 1: "", 2: "<p>second</p>", 3: "<p>third</p>"}[i]
		if (err != nil) != (i == 1) || rec.Body.String() != want {
			t.Errorf("render %d: %v, body %q, want %q", i, err, rec.Body.String(), want)
		}
	}
}
