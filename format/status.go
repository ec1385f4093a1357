package format

import (
	"fmt"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/session"
)

// Left renders a time left as m:ss, or h:mm:ss past an hour.
func Left(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// Status is a session's status as one short phrase: "valid 42:17",
// "expires in 0:45", "expired", "expiry unknown", "no token", "fetching…",
// "error", "sign-in needed".
func Status(st session.Status) string {
	switch st.State {
	case session.StateFetching:
		return "fetching…"
	case session.StateFailed:
		return "error"
	case session.StateSignIn:
		return "sign-in needed"
	case session.StateNone:
		return "no token"
	case session.StateExpired:
		return "expired"
	case session.StateExpiring:
		return "expires in " + Left(st.Left)
	}
	if !st.ExpiryKnown() {
		return "expiry unknown"
	}
	return "valid " + Left(st.Left)
}

// Probe is a test call's outcome as one line: "URL → 200 OK in 12 ms:
// the start of the body".
func Probe(r auth.ProbeResult) string {
	s := fmt.Sprintf("%s → %s in %d ms", r.URL, r.Status, r.Took.Milliseconds())
	if r.Snippet != "" {
		s += ": " + r.Snippet
	}
	return s
}
