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
	"github.com/tokendesk/tokendesk/storage"
)

// ErrSignInNeeded says a profile's tokens come from a person's sign-in and
// there is none that works: never signed in, signed out, or the refresh
// token was refused, expired or never given. Only a person starts a
// sign-in (`tokendesk login NAME`, the window's Sign in).
var ErrSignInNeeded = errors.New("sign-in needed")

// SignInError is ErrSignInNeeded with why.
type SignInError struct {
	// Reason is the refresh's failure; nil when there was nothing to
	// refresh with.
	Reason error
}

func (e *SignInError) Error() string {
	if e.Reason == nil {
		return ErrSignInNeeded.Error()
	}
	return fmt.Sprintf("%v (the refresh failed: %v)", ErrSignInNeeded, e.Reason)
}

// Is makes a SignInError ErrSignInNeeded.
func (e *SignInError) Is(target error) bool { return target == ErrSignInNeeded }

// Unwrap returns the refresh's failure.
func (e *SignInError) Unwrap() error { return e.Reason }

// ErrSignInCancelled is a sign-in a person cancelled (its context ended).
var ErrSignInCancelled = errors.New("sign-in cancelled")

// DefaultSignInTimeout bounds a sign-in whose options set none: the
// browser's callback or the device code's approval must come by then.
const DefaultSignInTimeout = 5 * time.Minute

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

// SignIn signs a person in for p (authorization_code or device_code),
// caches the tokens, and returns who signed in. Cancelling ctx stops it.
func (m *Manager) SignIn(ctx context.Context, p model.Profile, o SignInOptions) (model.User, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultSignInTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := m.keys.Resolve(p)
	if err != nil {
		return model.User{}, err
	}
	credential, err := m.credential(ctx, p)
	if err != nil {
		return model.User{}, err
	}
	c := m.clientNow()
	var is *Issued
	switch p.GrantType() {
	case model.GrantAuthorizationCode:
		is, err = c.signInBrowser(ctx, p, credential, o)
	case model.GrantDeviceCode:
		is, err = c.signInDevice(ctx, p, credential, o)
	default:
		return model.User{}, fmt.Errorf("profile %q uses %s, which needs no sign-in", p.Name, p.GrantType())
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == context.DeadlineExceeded {
		if errors.Is(err, ErrStateMismatch) {
			return model.User{}, fmt.Errorf("no sign-in within %s; a callback with the wrong state arrived meanwhile: %w", timeout, ErrStateMismatch)
		}
		return model.User{}, fmt.Errorf("no sign-in within %s", timeout)
	}
	if ctx.Err() == context.Canceled {
		return model.User{}, ErrSignInCancelled
	}
	if err != nil {
		return model.User{}, err
	}
	si := model.SignIn{RefreshToken: is.Refresh, Expiry: is.RefreshExpiry, Fingerprint: p.Fingerprint(), User: userOf(is.IDToken), At: m.Now()}
	if si.User == (model.User{}) {
		si.User = m.userinfo(ctx, p, is.Token)
	}
	if err := m.keys.SetSignIn(p.ID, si); err != nil {
		return si.User, err
	}
	m.Session(p).adopt(is.Token, m.cache(p.ID, is.Token), &si)
	return si.User, nil
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

// ErrNotRevoked is a sign-out that forgot the tokens here but did not
// revoke the refresh token at the server; the error wrapping it says why.
var ErrNotRevoked = errors.New("the refresh token was not revoked")

// SignOut revokes p's refresh token where the server has a revocation
// endpoint (p's, or else the one its metadata lists) and forgets both
// tokens either way. revoked says the server took the revocation; err is
// why it did not (ErrNotRevoked when it was not tried), the tokens being
// forgotten all the same. The refresh token and the client's credential go
// only to the server the person signed in at: the sign-in's fingerprint
// must be the profile's, and the endpoint on the origin of its token URL
// or issuer.
func (m *Manager) SignOut(ctx context.Context, p model.Profile) (revoked bool, err error) {
	si, readErr := m.keys.SignIn(p.ID)
	defer m.Session(p).signedOut()
	if err := m.keys.DeleteToken(p.ID); err != nil {
		return false, err
	}
	if err := m.keys.DeleteSignIn(p.ID); err != nil {
		return false, err
	}
	if readErr != nil || si.RefreshToken == "" {
		return false, nil
	}
	if si.Fingerprint != p.Fingerprint() {
		return false, fmt.Errorf("%w: the profile changed since the sign-in (its token URL, client, scopes, issuer or revocation URL), so it may no longer be the server that issued it", ErrNotRevoked)
	}
	endpoint := p.RevocationURL
	if endpoint == "" {
		endpoint = m.discoverRevocation(ctx, p)
	}
	if endpoint == "" {
		return false, nil
	}
	if !ownEndpoint(p, endpoint) {
		return false, fmt.Errorf("%w: the revocation endpoint %s is not on the server of the token URL or the issuer", ErrNotRevoked, safetext.Escape(hostOf(endpoint)))
	}
	p, err = m.keys.Resolve(p)
	if err != nil {
		return false, err
	}
	credential, err := m.credential(ctx, p)
	if err != nil {
		return false, err
	}
	if err := m.clientNow().Revoke(ctx, p, credential, endpoint, si.RefreshToken, "refresh_token"); err != nil {
		return false, fmt.Errorf("revoke the refresh token: %w", err)
	}
	return true, nil
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

// renew gets p's next access token from its refresh token (the grants a
// person signs in to); known, when set, is the sign-in Load has just read.
// A rotated refresh token comes back as the sign-in to file beside the
// token. A refresh token refused is forgotten: the profile then needs a
// sign-in.
func (m *Manager) renew(ctx context.Context, p model.Profile, credential string, known *model.SignIn) (*model.Token, *model.SignIn, error) {
	var si model.SignIn
	var err error
	if known != nil {
		si = *known
	} else {
		si, err = m.keys.SignIn(p.ID)
	}
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (si.RefreshToken == "" || si.Fingerprint != p.Fingerprint())) {
		return nil, nil, &SignInError{}
	}
	if err != nil {
		return nil, nil, err
	}
	c := m.clientNow()
	is, err := c.Refresh(ctx, p, credential, si.RefreshToken)
	var fe *FetchError
	if errors.As(err, &fe) && fe.Code == "invalid_grant" {
		// Another process (the window, another CLI) may have rotated it
		// meanwhile: its token is then in the keychain.
		if now, rerr := m.keys.SignIn(p.ID); rerr == nil && now.RefreshToken != "" && now.RefreshToken != si.RefreshToken {
			if t, terr := m.keys.Token(p.ID); terr == nil && t.Fingerprint == p.Fingerprint() && t.Expiry.After(m.Now()) {
				return &t, nil, nil
			}
			si = now
			is, err = c.Refresh(ctx, p, credential, si.RefreshToken)
		}
	}
	if errors.As(err, &fe) && (fe.Code == "invalid_grant" || fe.Code == "invalid_token") {
		_ = m.keys.DeleteSignIn(p.ID)
		return nil, nil, &SignInError{Reason: err}
	}
	if err != nil {
		return nil, nil, err
	}
	was := si
	if is.Refresh != "" {
		si.RefreshToken, si.Expiry = is.Refresh, is.RefreshExpiry
	}
	if u := userOf(is.IDToken); u != (model.User{}) {
		si.User = u
	}
	if si != was { // a keychain write only for a rotation (or news of the user)
		return is.Token, &si, nil
	}
	return is.Token, nil, nil
}

// exchange gets p's token by token exchange: the subject token is its
// subject profile's (fetched or refreshed first) or, with none, Subject's.
func (m *Manager) exchange(ctx context.Context, p model.Profile, credential string) (*model.Token, error) {
	var subject string
	switch {
	case p.SubjectProfile != "":
		if m.Profiles == nil {
			return nil, errors.New("token exchange: the subject profile cannot be looked up here")
		}
		sp, err := m.Profiles(p.SubjectProfile)
		if err != nil {
			return nil, fmt.Errorf("token exchange: the subject profile: %w", err)
		}
		t, err := m.Session(sp).Token(ctx, false)
		if err != nil {
			return nil, fmt.Errorf("token exchange: the subject token from %q: %w", sp.Name, err)
		}
		subject = t.AccessToken
	case m.Subject != nil:
		var err error
		if subject, err = m.Subject(p); err != nil {
			return nil, err
		}
	}
	if subject == "" {
		return nil, errors.New("token exchange: no subject token (name a subject profile, or give the token on standard input)")
	}
	return m.clientNow().Exchange(ctx, p, credential, subject)
}

// discoverRevocation looks up the revocation endpoint of p's server in its
// metadata (at its issuer, or its token endpoint's origin); none found is "".
func (m *Manager) discoverRevocation(ctx context.Context, p model.Profile) string {
	md, err := m.client.Discover(ctx, discoveryBase(p))
	if err != nil {
		return ""
	}
	return md.RevocationEndpoint
}

// userinfo asks the server's userinfo endpoint (from its metadata) who
// signed in, when no ID token said so; none found is the zero User.
func (m *Manager) userinfo(ctx context.Context, p model.Profile, t *model.Token) model.User {
	var u model.User
	md, err := m.client.Discover(ctx, discoveryBase(p))
	if err != nil || md.UserinfoEndpoint == "" || !ownEndpoint(p, md.UserinfoEndpoint) ||
		(!p.AllowInsecure && !model.SecureTransport(md.UserinfoEndpoint)) {
		return u
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, md.UserinfoEndpoint, nil)
	if err != nil {
		return u
	}
	req.Header.Set("Authorization", HeaderValue(t))
	req.Header.Set("Accept", "application/json")
	hc, err := m.client.clientFor(p, "")
	if err != nil {
		return u
	}
	ans, err := read(hc, req)
	if err == nil && ans.ok() {
		_ = json.Unmarshal(ans.body, &u)
	}
	return u
}

// discoveryBase is where p's server metadata is looked for (its
// revocation, userinfo and introspection endpoints): its issuer, or its
// token endpoint's origin. It is the one place that decides it.
func discoveryBase(p model.Profile) string {
	if p.Issuer != "" {
		return p.Issuer
	}
	u, err := url.Parse(p.TokenURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
