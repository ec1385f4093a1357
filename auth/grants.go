package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// The grant_type values of the grants after client credentials, and the
// default subject token type of token exchange.
const (
	grantTypeDeviceCode = "urn:ietf:params:oauth:grant-type:device_code" // RFC 8628's
	// GrantTypeTokenExchange is RFC 8693's grant_type.
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// AccessTokenType is RFC 8693's type URI of an access token.
	AccessTokenType = "urn:ietf:params:oauth:token-type:access_token"
)

// pkce is a PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2).
// Ten lines of our own rather than x/oauth2 back in go.mod for them.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := randomString(32) // 43 characters, RFC 7636's minimum
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// randomString is n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorizeURL is the URL the browser is sent to for p's sign-in: p's
// authorization endpoint with the request of RFC 6749 §4.1.1 and PKCE's
// S256 challenge, plus p's extra parameters (audience, resource…).
func authorizeURL(p model.Profile, redirect, state string, pk pkce) (string, error) {
	u, err := url.Parse(p.AuthorizeURL)
	if err != nil {
		return "", fmt.Errorf("authorization URL %q: %w", p.AuthorizeURL, err)
	}
	q := u.Query()
	for k, v := range p.Params {
		q[k] = v
	}
	q.Set("response_type", "code")
	q.Set("client_id", p.ClientID)
	q.Set("redirect_uri", redirect)
	if len(p.Scopes) > 0 {
		q.Set("scope", strings.Join(p.Scopes, " "))
	}
	q.Set("state", state)
	q.Set("code_challenge", pk.challenge)
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redeem exchanges an authorization code for tokens (RFC 6749 §4.1.3),
// with the PKCE verifier.
func (c *Client) redeem(ctx context.Context, p model.Profile, credential, code, redirect string, pk pkce) (*Issued, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirect},
		"code_verifier": {pk.verifier},
	}
	return c.request(ctx, p, credential, form, false, code, pk.verifier)
}

// Refresh asks for a new access token with a refresh token (RFC 6749 §6).
func (c *Client) Refresh(ctx context.Context, p model.Profile, credential, refresh string) (*Issued, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	return c.request(ctx, p, credential, form, false, refresh)
}

// Exchange trades subject for a token of p's (RFC 8693 §2.1): its type is
// p's SubjectTokenType, AccessTokenType by default; p's scopes and extra
// parameters (audience, resource, requested_token_type) go with it.
func (c *Client) Exchange(ctx context.Context, p model.Profile, credential, subject string) (*model.Token, error) {
	typ := p.SubjectTokenType
	if typ == "" {
		typ = AccessTokenType
	}
	form := url.Values{
		"grant_type":         {GrantTypeTokenExchange},
		"subject_token":      {subject},
		"subject_token_type": {typ},
	}
	if len(p.Scopes) > 0 {
		form.Set("scope", strings.Join(p.Scopes, " "))
	}
	is, err := c.request(ctx, p, credential, form, true, subject)
	if err != nil {
		return nil, err
	}
	return is.Token, nil
}

// Revoke revokes token at endpoint (RFC 7009 §2.1), hint being its
// token_type_hint, authenticating as p's client. An endpoint not on p's
// own server is a *ForeignEndpointError, and nothing is sent.
func (c *Client) Revoke(ctx context.Context, p model.Profile, credential, endpoint, token, hint string) error {
	const what = "revocation endpoint"
	if err := foreign(p, what, endpoint); err != nil {
		return err
	}
	if !p.AllowInsecure && !model.SecureTransport(endpoint) {
		return ErrInsecure
	}
	a, err := c.authOf(p, credential)
	if err != nil {
		return err
	}
	red := a.redactor(append(secretValues(p), token)...)
	ans, err := c.post(ctx, p, what, endpoint, a, url.Values{"token": {token}, "token_type_hint": {hint}})
	if err != nil {
		return red.err(err)
	}
	if !ans.ok() {
		return ans.fetchError(what, red)
	}
	return nil
}

// pollUnit is the second of RFC 8628's intervals: Client.PollUnit, or a
// second when that is unset.
func (c *Client) pollUnit() time.Duration {
	if c.PollUnit <= 0 {
		return time.Second
	}
	return c.PollUnit
}

// DeviceCode is a device authorization response (RFC 8628 §3.2): what the
// person is shown, and what the app polls with.
type DeviceCode struct {
	// UserCode is what the person types at VerificationURI.
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
	// VerificationURIComplete carries the code; opening it needs no typing.
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	// Expires is when the code stops working.
	Expires time.Time `json:"-"`

	deviceCode string
	interval   time.Duration
	open       string // the URI to open, as the server sent it
}

// String never shows the device code, which is a secret.
func (d DeviceCode) String() string {
	return fmt.Sprintf("DeviceCode{user_code=%s uri=%s}", d.UserCode, d.VerificationURI)
}

// deviceAuthorize starts a device sign-in at p's device authorization
// endpoint (RFC 8628 §3.1).
func (c *Client) deviceAuthorize(ctx context.Context, p model.Profile, credential string) (*DeviceCode, error) {
	const what = "device authorization endpoint"
	if !p.AllowInsecure && !model.SecureTransport(p.DeviceURL) {
		return nil, ErrInsecure
	}
	a, err := c.authOf(p, credential)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	if len(p.Scopes) > 0 {
		form.Set("scope", strings.Join(p.Scopes, " "))
	}
	for k, v := range p.Params {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	red := a.redactor(secretValues(p)...)
	start := c.Now()
	ans, err := c.post(ctx, p, what, p.DeviceURL, a, form)
	if err != nil {
		return nil, red.err(err)
	}
	if !ans.ok() {
		return nil, ans.fetchError(what, red)
	}
	var raw struct {
		DeviceCode              string      `json:"device_code"`
		UserCode                string      `json:"user_code"`
		VerificationURI         string      `json:"verification_uri"`
		VerificationURIComplete string      `json:"verification_uri_complete"`
		ExpiresIn               json.Number `json:"expires_in"`
		Interval                json.Number `json:"interval"`
	}
	if err := json.Unmarshal(ans.body, &raw); err != nil || raw.DeviceCode == "" || raw.UserCode == "" || raw.VerificationURI == "" {
		return nil, fmt.Errorf("the %s of %s did not answer with a device_code, user_code and verification_uri: %q", what, hostOf(p.DeviceURL), red.body(ans.body))
	}
	// What the person is shown is the server's text: escaped here, once.
	d := &DeviceCode{UserCode: safetext.Escape(cut(raw.UserCode, 100)), VerificationURI: safetext.Escape(raw.VerificationURI),
		VerificationURIComplete: safetext.Escape(raw.VerificationURIComplete), deviceCode: raw.DeviceCode, open: raw.VerificationURIComplete}
	if d.open == "" {
		d.open = raw.VerificationURI
	}
	if life, _ := lifetime(raw.ExpiresIn.String()); life > 0 {
		d.Expires = start.Add(life)
	}
	d.interval = 5 * c.pollUnit() // RFC 8628 §3.2's default
	if n, err := raw.Interval.Int64(); err == nil && n > 0 && n < 3600 {
		d.interval = time.Duration(n) * c.pollUnit()
	}
	return d, nil
}

// Device sign-in outcomes a face branches on.
var (
	// ErrDeviceExpired is a device code that ran out before the person
	// approved it (expired_token).
	ErrDeviceExpired = errors.New("the device code expired before the sign-in was approved; sign in again")
	// ErrAccessDenied is a person (or the server) refusing the sign-in
	// (access_denied).
	ErrAccessDenied = errors.New("the sign-in was denied")
)

// pollDevice polls p's token endpoint for the device sign-in's tokens at
// the server's interval, slowing down when told to (RFC 8628 §3.5).
func (c *Client) pollDevice(ctx context.Context, p model.Profile, credential string, d *DeviceCode) (*Issued, error) {
	interval := d.interval
	form := url.Values{"grant_type": {grantTypeDeviceCode}, "device_code": {d.deviceCode}, "client_id": {p.ClientID}}
	for {
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		is, err := c.request(ctx, p, credential, f, false, d.deviceCode)
		var fe *FetchError
		if !errors.As(err, &fe) {
			return is, err
		}
		switch fe.Code {
		case "authorization_pending":
		case "slow_down":
			interval += 5 * c.pollUnit()
		case "expired_token":
			return nil, ErrDeviceExpired
		case "access_denied":
			return nil, fmt.Errorf("%w: %w", ErrAccessDenied, fe)
		default:
			return nil, err
		}
		if fe.StatusCode >= http.StatusInternalServerError {
			return nil, err
		}
	}
}

// userOf reads who signed in from an ID token's claims (not verified: it
// came straight from the token endpoint over TLS, and is only shown).
func userOf(idToken string) model.User {
	var u model.User
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return u
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err == nil {
		_ = json.Unmarshal(payload, &u)
	}
	return u
}
