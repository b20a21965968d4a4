package render_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/snapdash/snapdash/web/render"
)

func TestFailingComponentSendsNothing(t *testing.T) {
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	half := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<html><body><h1>half a page")
		return errors.New("template blew up")
	})
	if err := render.Component(c, http.StatusOK, half); err == nil {
		t.Fatal("the render error was swallowed")
	}
	if c.Response().Committed || rec.Body.Len() != 0 {
		t.Errorf("half a page was sent: committed %v, %q", c.Response().Committed, rec.Body.String())
	}
}

func TestComponentWithStatus(t *testing.T) {
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := render.Component(c, http.StatusUnprocessableEntity, templ.Raw("<p>ok</p>")); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusUnprocessableEntity || rec.Body.String() != "<p>ok</p>" || rec.Header().Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Errorf("%d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
	}
}
