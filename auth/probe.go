package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// ProbeResult is the outcome of a test call.
type ProbeResult struct {
	URL     string
	Status  string
	Code    int
	Took    time.Duration
	Snippet string // the start of the body, as one line
}

// OK says whether the API accepted the token.
func (r ProbeResult) OK() bool { return r.Code >= 200 && r.Code < 300 }

// ProbeAuth is what a test call presents besides the token.
type ProbeAuth struct {
	// Key is the PEM private key of a client that PresentsCert, to present
	// its certificate too: an API that checks certificate-bound tokens
	// (RFC 8705 §3) wants the certificate the token was issued to. Empty
	// presents none.
	Key string
	// Secret is the client secret of a profile whose API calls use Basic
	// auth, sent instead of the token.
	Secret string
}

// Probe calls the profile's probe path (or path, if given) with the
// token, and with what with holds, to show that the token works against
// the API.
func (c *Client) Probe(ctx context.Context, p model.Profile, t *model.Token, path string, with ProbeAuth) (ProbeResult, error) {
	key, secret := with.Key, with.Secret
	u, err := RequestURL(p, path)
	if err != nil {
		return ProbeResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ProbeResult{}, err
	}
	req.Header.Set("Accept", "application/json, */*")
	if err := SetAPIHeaders(req.Header, p, t, secret); err != nil {
		return ProbeResult{}, err
	}
	// The API is usually the token endpoint's server: trust the profile's
	// CA file here too.
	tc, err := c.clientFor(p, key)
	if err != nil {
		return ProbeResult{}, err
	}
	shh := secretValues(p)
	if t != nil {
		shh = append(shh, t.AccessToken)
	}
	if secret != "" {
		shh = append(shh, secret, strings.TrimPrefix(req.Header.Get("Authorization"), "Basic "))
	}
	red := newRedactor(shh...)
	// A redirect within the origin is followed; one to another origin is
	// reported, not followed: net/http would forward the secret headers.
	var away string
	hc := &http.Client{Transport: tc.Transport, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if origin(next.URL) != origin(via[0].URL) {
			away = red.shown(next.URL.Redacted())
			return http.ErrUseLastResponse
		}
		return nil
	}}
	start := c.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return ProbeResult{URL: u}, red.err(describe(ctx, p, "API", u, DefaultTimeout, err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	r := ProbeResult{URL: u, Status: safetext.Escape(resp.Status), Code: resp.StatusCode, Took: c.Now().Sub(start),
		Snippet: red.body(body)}
	if away != "" {
		r.Snippet = fmt.Sprintf("redirected to %s, another origin; not followed, so that the token and headers stay with %s", away, origin(req.URL))
	}
	return r, nil
}

// origin is u's scheme and host: a redirect that changes either leaves
// the origin.
func origin(u *url.URL) string { return u.Scheme + "://" + strings.ToLower(u.Host) }
