package auth

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// maxLifetime is the longest expires_in believed; a longer one is taken as
// "expiry unknown" rather than shown as years of validity.
const maxLifetime = 366 * 24 * time.Hour

// knownFields are the response fields Token or a sign-in has a place for;
// the ID token is read apart and is not cached with the access token.
var knownFields = []string{"access_token", "token_type", "expires_in", "scope", "refresh_token", "refresh_expires_in", "id_token"}

// parsed is a token response read: the token and the lifetime the server
// gave it (zero: unknown), with the refresh and ID tokens of a sign-in,
// which are kept apart from the access token's cache entry.
type parsed struct {
	model.Token
	life time.Duration
	// refresh and its lifetime (Keycloak's refresh_expires_in; zero:
	// unknown); idToken is the OpenID Connect ID token.
	refresh     string
	refreshLife time.Duration
	idToken     string
}

// parseToken reads a successful token response (RFC 6749 §5.1) from host:
// JSON, or form-encoded as some servers (GitHub's) answer.
func parseToken(a *answer, host string) (*parsed, error) {
	ct, _, _ := mime.ParseMediaType(a.resp.Header.Get("Content-Type"))
	var t parsed
	var expiresIn string // as sent: a JSON number or string, or a form value
	if !looksLikeJSON(a.body) && (ct == "application/x-www-form-urlencoded" || ct == "text/plain") {
		v, err := url.ParseQuery(string(a.body))
		if err != nil {
			return nil, fmt.Errorf("cannot parse the token response from %s: %v", host, err)
		}
		t.AccessToken, t.TokenType, t.Scope, expiresIn = v.Get("access_token"), v.Get("token_type"), v.Get("scope"), v.Get("expires_in")
		t.refresh, t.idToken = v.Get("refresh_token"), v.Get("id_token")
	} else {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(a.body, &m); err != nil {
			if ct == "" {
				ct = "no content type"
			}
			return nil, fmt.Errorf("cannot parse the token response from %s as JSON (%s): %q", host, ct, newRedactor().body(a.body))
		}
		for name, dst := range map[string]*string{"access_token": &t.AccessToken, "token_type": &t.TokenType} {
			if raw, ok := m[name]; ok && json.Unmarshal(raw, dst) != nil {
				return nil, fmt.Errorf("the %s from %s is not a string", name, host)
			}
		}
		var scope string
		if json.Unmarshal(m["scope"], &scope) == nil {
			t.Scope = scope
		}
		_ = json.Unmarshal(m["refresh_token"], &t.refresh)
		_ = json.Unmarshal(m["id_token"], &t.idToken)
		var refreshIn json.Number
		if json.Unmarshal(m["refresh_expires_in"], &refreshIn) == nil {
			t.refreshLife, _ = lifetime(refreshIn.String())
		}
		if raw, ok := m["expires_in"]; ok {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				s = string(raw)
			}
			expiresIn = s
		}
		for _, k := range knownFields {
			delete(m, k)
		}
		if len(m) > 0 {
			t.Extra = m
		}
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("the answer from %s is missing access_token", host)
	}
	if !b64token(t.AccessToken) {
		// The value is a secret, and may hold what would break a header.
		return nil, fmt.Errorf("the access_token from %s holds characters a bearer token cannot have (RFC 6750: letters, digits and -._~+/ then =); refused", host)
	}
	if t.TokenType != "" && !typeName(t.TokenType) {
		return nil, fmt.Errorf("the token_type from %s, %q, is not a token type name (RFC 6749: letters, digits and -._); refused", host, safetext.Escape(cut(t.TokenType, 40)))
	}
	t.Scope = safetext.Escape(t.Scope)
	var note string
	t.life, note = lifetime(expiresIn)
	if note != "" {
		if t.Extra == nil {
			t.Extra = map[string]json.RawMessage{}
		}
		t.Extra["expires_in"], _ = json.Marshal(note)
	}
	return &t, nil
}

// lifetime reads expires_in: seconds, a fraction rounded down. Zero or less
// says nothing usable; note says why an expires_in that was sent is not
// believed (not a number, over a year), for the person to see.
func lifetime(expiresIn string) (life time.Duration, note string) {
	s := strings.TrimSpace(expiresIn)
	if s == "" {
		return 0, ""
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !isRange(err), math.IsNaN(f):
		return 0, fmt.Sprintf("%q (not a number of seconds: expiry unknown)", safetext.Escape(cut(s, 40)))
	case f > maxLifetime.Seconds():
		return 0, fmt.Sprintf("%s (over a year: expiry unknown)", cut(s, 40))
	case f < 1:
		return 0, ""
	}
	return time.Duration(math.Floor(f)) * time.Second, ""
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// WellFormed says whether t's token and type can go into a header as they
// are: what parseToken checks, for a token from elsewhere (the cache).
func WellFormed(t *model.Token) bool {
	return b64token(t.AccessToken) && (t.TokenType == "" || typeName(t.TokenType))
}

// b64token says whether s is an RFC 6750 b64token, as a bearer token must
// be: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func b64token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !alnum(c) && !strings.ContainsRune("-._~+/", rune(c)) {
			return false
		}
	}
	return true
}

// typeName says whether s is an RFC 6749 §8.1 type-name: 1*name-char,
// name-char = "-" / "." / "_" / DIGIT / ALPHA.
func typeName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return s != ""
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// cut is s cut to n runes, with an ellipsis if cut.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
