package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokendesk/tokendesk/auth"
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

// SignIn signs a person in for p (authorization_code or device_code),
// caches the tokens, and returns who signed in. Cancelling ctx stops it.
func (m *Manager) SignIn(ctx context.Context, p model.Profile, o auth.SignInOptions) (model.User, error) {
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
	is, err := m.clientNow().SignIn(ctx, p, credential, o)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == context.DeadlineExceeded {
		if errors.Is(err, auth.ErrStateMismatch) {
			return model.User{}, fmt.Errorf("no sign-in within %s; a callback with the wrong state arrived meanwhile: %w", timeout, auth.ErrStateMismatch)
		}
		return model.User{}, fmt.Errorf("no sign-in within %s", timeout)
	}
	if ctx.Err() == context.Canceled {
		return model.User{}, ErrSignInCancelled
	}
	if err != nil {
		return model.User{}, err
	}
	si := model.SignIn{RefreshToken: is.Refresh, Expiry: is.RefreshExpiry, Fingerprint: p.Fingerprint(), User: is.User(), At: m.Now()}
	if si.User == (model.User{}) {
		si.User = m.client.UserInfo(ctx, p, is.Token)
	}
	// Filed under the refresh lock: a refresh under way in another process
	// must not file its rotation over this sign-in, and one that follows
	// must read this sign-in, not one it read before.
	lock, err := m.lockRefresh(ctx, p)
	if err != nil {
		return si.User, err
	}
	defer lock.Unlock()
	if err := m.keys.SetSignIn(p.ID, si); err != nil {
		return si.User, err
	}
	m.keepUnfiled(p.ID, model.SignIn{}, nil)
	m.Session(p).adopt(is.Token, m.cache(p.ID, is.Token), &si)
	lock.Filed()
	return si.User, nil
}

// ErrNotRevoked is a sign-out that forgot the tokens here but did not
// revoke the refresh token at the server; the error wrapping it says why.
var ErrNotRevoked = errors.New("the refresh token was not revoked")

// SignedOut is what a sign-out did at the server, the tokens here being
// forgotten in every case.
type SignedOut int

// What a sign-out did at the server.
const (
	// Revoked: the server took the revocation of the refresh token.
	Revoked SignedOut = iota + 1
	// NothingToRevoke: no refresh token was on file (never signed in, or
	// signed out already).
	NothingToRevoke
	// NoRevocationEndpoint: neither the profile nor the server's metadata
	// names one, so the refresh token stands at the server until it
	// expires.
	NoRevocationEndpoint
)

// SignOut revokes p's refresh token where the server has a revocation
// endpoint (p's, or else the one its metadata lists) and forgets both
// tokens either way, and says which it did; err is why it did not revoke
// (ErrNotRevoked when it was not tried), the tokens being forgotten all
// the same. The refresh token and the client's credential go
// only to the server the person signed in at: the sign-in's fingerprint
// must be the profile's, and the endpoint on the origin of its token URL
// or issuer.
func (m *Manager) SignOut(ctx context.Context, p model.Profile) (done SignedOut, err error) {
	defer m.Session(p).signedOut()
	// Under the refresh lock, so that a refresh under way in another
	// process cannot file its tokens back after the sign-out.
	lock, err := m.lockRefresh(ctx, p)
	if err != nil {
		return 0, err
	}
	si, readErr := m.keys.SignIn(p.ID)
	if u, ok := m.unfiledFor(p.ID); ok {
		si, readErr = u.si, nil // the refresh token the server holds now
	}
	m.keepUnfiled(p.ID, model.SignIn{}, nil)
	err = m.keys.DeleteToken(p.ID)
	if err == nil {
		err = m.keys.DeleteSignIn(p.ID)
	}
	lock.Filed()
	lock.Unlock()
	if err != nil {
		return 0, err
	}
	if readErr != nil || si.RefreshToken == "" {
		return NothingToRevoke, nil
	}
	if si.Fingerprint != p.Fingerprint() {
		return 0, fmt.Errorf("%w: the profile changed since the sign-in (its token URL, client, scopes, issuer or revocation URL), so it may no longer be the server that issued it", ErrNotRevoked)
	}
	endpoint := m.client.RevocationEndpoint(ctx, p)
	if endpoint == "" {
		return NoRevocationEndpoint, nil
	}
	p, err = m.keys.Resolve(p)
	if err != nil {
		return 0, err
	}
	credential, err := m.credential(ctx, p)
	if err != nil {
		return 0, err
	}
	err = m.clientNow().Revoke(ctx, p, credential, endpoint, si.RefreshToken, "refresh_token")
	if fe := (*auth.ForeignEndpointError)(nil); errors.As(err, &fe) {
		return 0, fmt.Errorf("%w: %v", ErrNotRevoked, err) // not tried
	}
	if err != nil {
		return 0, fmt.Errorf("revoke the refresh token: %w", err)
	}
	return Revoked, nil
}

// renew gets p's next access token from its refresh token (the grants a
// person signs in to); known, when set, is the sign-in Load has just read.
// A rotated refresh token comes back as the sign-in to file beside the
// token. A refresh token refused is forgotten: the profile then needs a
// sign-in.
func (m *Manager) renew(ctx context.Context, p model.Profile, credential string, known *model.SignIn) (*model.Token, *model.SignIn, error) {
	var si model.SignIn
	var err error
	u, unfiled := m.unfiledFor(p.ID)
	unfiled = unfiled && u.si.Fingerprint == p.Fingerprint()
	switch {
	case unfiled:
		si = u.si // newer than any on file: the server rotated the one there
	case known != nil:
		si = *known
	default:
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
	var fe *auth.FetchError
	if errors.As(err, &fe) && fe.Code == "invalid_grant" {
		// Another process (the window, another CLI) may have rotated it
		// meanwhile: its token is then in the keychain.
		if now, rerr := m.keys.SignIn(p.ID); rerr == nil && now.RefreshToken != "" && now.RefreshToken != si.RefreshToken {
			if t, terr := m.keys.Token(p.ID); terr == nil && t.Fingerprint == p.Fingerprint() && m.fresh(&t, m.Now()) && auth.WellFormed(&t) {
				return &t, nil, nil
			}
			si = now
			is, err = c.Refresh(ctx, p, credential, si.RefreshToken)
		}
	}
	if errors.As(err, &fe) && (fe.Code == "invalid_grant" || fe.Code == "invalid_token") {
		m.keepUnfiled(p.ID, model.SignIn{}, nil)
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
	if u := is.User(); u != (model.User{}) {
		si.User = u
	}
	if si != was || unfiled { // a keychain write only for a rotation (or news of the user), or one still owed
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
