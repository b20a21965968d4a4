package handlers

import (
	"net/http"

	"github.com/snapdash/snapdash/internal/dashboard"
)

// Status is the HTTP status that answers an outcome of the use cases: they
// say what kind of outcome it was, the handlers what HTTP makes of it.
func Status(r dashboard.Reason) int {
	switch r {
	case dashboard.ReasonOK:
		return http.StatusOK
	case dashboard.ReasonInvalid:
		return http.StatusUnprocessableEntity
	case dashboard.ReasonConflict:
		return http.StatusConflict
	case dashboard.ReasonGone:
		return http.StatusNotFound
	case dashboard.ReasonUnavailable:
		return http.StatusServiceUnavailable
	case dashboard.ReasonUpstreamSlow:
		return http.StatusGatewayTimeout
	case dashboard.ReasonTokenRefused:
		return http.StatusUnauthorized
	}
	return http.StatusBadGateway
}
