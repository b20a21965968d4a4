package handlers

import (
	"net/url"

	"github.com/snapdash/snapdash/internal/session"
)

// SignInReason is why the sign-in page is shown (its ?reason=).
type SignInReason string

// Reasons for the sign-in page: the person's own choice, a refusal, a page
// that needs a session, and the ways a session ends.
const (
	SignedOut       SignInReason = "signed-out"
	TokenRefused    SignInReason = "refused"
	SignInRequired  SignInReason = "required"
	SessionIdle     SignInReason = session.EndedIdle
	SessionTooOld   SignInReason = session.EndedLifetime
	SessionIdentity SignInReason = session.EndedIdentity
	SessionExpired  SignInReason = session.EndedExpired
)

// SignInURL is the sign-in page with a reason and the page to come back to.
func (s *Site) SignInURL(reason SignInReason, next string) string {
	q := url.Values{}
	if reason != "" {
		q.Set("reason", string(reason))
	}
	if next = s.LocalPath(next); next != "/" {
		q.Set("next", next)
	}
	u := s.URL("/signin")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
