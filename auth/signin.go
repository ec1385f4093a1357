package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// SignInOptions is how a face takes part in a sign-in.
type SignInOptions struct {
	// Open opens a URL in the system browser (Open in internal/browser,
	// or the window's); nil, or an error, leaves the URL to Prompt.
	Open func(url string) error
	// Prompt is told what the person must do, once the sign-in waits for
	// them; it runs on the sign-in's goroutine.
	Prompt func(Prompt)
	// Timeout bounds the wait for the person; zero means
	// DefaultSignInTimeout.
	Timeout time.Duration
}

// Prompt is what a person is shown while a sign-in waits for them.
type Prompt struct {
	// URL is where to sign in: the authorization URL, or the device
	// code's verification URI.
	URL string
	// Opened says the browser was opened at URL (or at the complete
	// verification URI); OpenErr says why it was not, when it was tried.
	Opened  bool
	OpenErr error
	// Device is the device code to enter at URL; nil for a browser
	// sign-in.
	Device *DeviceCode
}

// SignIn runs the person's part of p's sign-in (authorization_code
// through the system browser and a loopback redirect, or device_code) and
// redeems what it gives for tokens.
func (c *Client) SignIn(ctx context.Context, p model.Profile, credential string, o SignInOptions) (*Issued, error) {
	switch p.GrantType() {
	case model.GrantAuthorizationCode:
		return c.signInBrowser(ctx, p, credential, o)
	case model.GrantDeviceCode:
		return c.signInDevice(ctx, p, credential, o)
	}
	return nil, fmt.Errorf("profile %q uses %s, which needs no sign-in", p.Name, p.GrantType())
}

// signInBrowser runs the authorization code grant with PKCE through the
// system browser and a loopback redirect.
func (c *Client) signInBrowser(ctx context.Context, p model.Profile, credential string, o SignInOptions) (*Issued, error) {
	state, pk := randomString(24), newPKCE()
	l, err := listen(p, state)
	if err != nil {
		return nil, err
	}
	defer l.close()
	u, err := authorizeURL(p, l.redirect, state, pk)
	if err != nil {
		return nil, err
	}
	pr := Prompt{URL: u}
	if o.Open != nil {
		pr.OpenErr = o.Open(u)
		pr.Opened = pr.OpenErr == nil
	}
	if o.Prompt != nil {
		o.Prompt(pr)
	}
	code, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return c.redeem(ctx, p, credential, code, l.redirect, pk)
}

// signInDevice runs the device authorization grant.
func (c *Client) signInDevice(ctx context.Context, p model.Profile, credential string, o SignInOptions) (*Issued, error) {
	d, err := c.deviceAuthorize(ctx, p, credential)
	if err != nil {
		return nil, err
	}
	if !d.Expires.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Expires)
		defer cancel()
	}
	// The URIs (escaped by deviceAuthorize) are opened only over https, or
	// http to this machine: never a file: or other scheme.
	pr := Prompt{URL: d.VerificationURI, Device: d}
	switch {
	case !model.SecureTransport(d.open) || safetext.Escape(d.open) != d.open:
		pr.OpenErr = fmt.Errorf("%w: %s", ErrUnsafeVerificationURI, safetext.Escape(cut(d.open, 200)))
	case o.Open != nil:
		pr.OpenErr = o.Open(d.open)
		pr.Opened = pr.OpenErr == nil
	}
	if o.Prompt != nil {
		o.Prompt(pr)
	}
	is, err := c.pollDevice(ctx, p, credential, d)
	if errors.Is(err, context.DeadlineExceeded) && !d.Expires.IsZero() && !c.Now().Before(d.Expires) {
		return nil, ErrDeviceExpired
	}
	return is, err
}

// ErrUnsafeVerificationURI is a device sign-in's verification URI that is
// not https (nor http to this machine), or holds characters that must be
// escaped to be shown: it is shown, not opened.
var ErrUnsafeVerificationURI = errors.New("not opened in the browser: the server's verification URI is not a plain https URL")

// ForeignEndpointError is an endpoint that is not on the server of a
// profile's token URL or issuer: a refresh token, access token or client
// credential of the profile's is not sent there.
type ForeignEndpointError struct {
	// What names the endpoint ("revocation endpoint"); Host is where it
	// is, escaped for display.
	What, Host string
}

func (e *ForeignEndpointError) Error() string {
	return fmt.Sprintf("the %s %s is not on the server of the token URL or the issuer", e.What, e.Host)
}

// foreign is a *ForeignEndpointError for endpoint unless it is p's own
// (ownEndpoint).
func foreign(p model.Profile, what, endpoint string) error {
	if ownEndpoint(p, endpoint) {
		return nil
	}
	host := endpoint
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = u.Host
	}
	return &ForeignEndpointError{What: what, Host: safetext.Escape(cut(host, 200))}
}

// ownEndpoint says whether endpoint is on the origin (scheme, host and
// port) of p's token URL or issuer: the server a refresh or access token
// of p's may be sent to besides its token endpoint.
func ownEndpoint(p model.Profile, endpoint string) bool {
	e, err := url.Parse(endpoint)
	if err != nil || e.Host == "" {
		return false
	}
	for _, s := range []string{p.TokenURL, p.Issuer} {
		if u, err := url.Parse(s); err == nil && s != "" && u.Host != "" && origin(u) == origin(e) {
			return true
		}
	}
	return false
}

// metadataBase is where p's server metadata is looked for (its
// revocation, userinfo and introspection endpoints): its issuer, or its
// token endpoint's origin. It is the one place that decides it.
func metadataBase(p model.Profile) string {
	if p.Issuer != "" {
		return p.Issuer
	}
	u, err := url.Parse(p.TokenURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// UserInfo asks the userinfo endpoint of p's server (from its metadata)
// who signed in, with t. The endpoint must be on p's own server and,
// unless p allows insecure transport, reached over TLS or loopback; the
// zero User otherwise, or when the server does not say.
func (c *Client) UserInfo(ctx context.Context, p model.Profile, t *model.Token) model.User {
	var u model.User
	md, err := c.Discover(ctx, metadataBase(p))
	if err != nil {
		return u
	}
	endpoint := md.UserinfoEndpoint
	if endpoint == "" || !ownEndpoint(p, endpoint) || (!p.AllowInsecure && !model.SecureTransport(endpoint)) {
		return u
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return u
	}
	req.Header.Set("Authorization", HeaderValue(t))
	req.Header.Set("Accept", "application/json")
	hc, err := c.clientFor(p, "")
	if err != nil {
		return u
	}
	ans, err := read(hc, req)
	if err == nil && ans.ok() {
		_ = json.Unmarshal(ans.body, &u)
	}
	return u
}

// RevocationEndpoint is where p's tokens are revoked (RFC 7009): p's
// revocation URL, or else the one its server's metadata lists; "" when
// there is none.
func (c *Client) RevocationEndpoint(ctx context.Context, p model.Profile) string {
	if p.RevocationURL != "" {
		return p.RevocationURL
	}
	md, err := c.Discover(ctx, metadataBase(p))
	if err != nil {
		return ""
	}
	return md.RevocationEndpoint
}

// User is who signed in, as the ID token says; the zero User without one.
func (is *Issued) User() model.User { return userOf(is.IDToken) }
