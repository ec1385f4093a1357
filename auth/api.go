package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokendesk/tokendesk/model"
)

// APITransport returns the transport for requests to p's API made with
// its token: the proxy from the environment, p's CA file trusted and, given
// key (the PEM private key of a client that PresentsCert), p's client
// certificate presented (an API that checks certificate-bound tokens wants
// it, RFC 8705 §3). Unlike the token client's, it streams bodies and keeps
// APIIdleConns connections warm, so it suits a proxy.
func (c *Client) APITransport(p model.Profile, key string) (http.RoundTripper, error) {
	hc, err := c.clientFor(p, key)
	if err != nil {
		return nil, err
	}
	tr := hc.Transport
	if ht, ok := tr.(*http.Transport); ok {
		// Its own pool, kept warm for many requests at once: the token
		// client's allows 2 idle connections per host.
		ht = ht.Clone()
		ht.MaxIdleConnsPerHost = APIIdleConns
		return ht, nil
	}
	return tr, nil
}

// APIIdleConns is how many idle connections to one API host an
// APITransport keeps.
const APIIdleConns = 128

// ErrNoCredential says a call to a profile's API was asked for without
// what it authenticates with: the client secret for Basic, else a token.
var ErrNoCredential = errors.New("nothing to authenticate the API call with")

// APIAuthorization is the Authorization header's value on a call to p's
// API: HTTP Basic with p's client ID and secret when p's API calls use
// Basic auth (model.Profile.BasicAPI), else t. It is the one place that
// decides between the two; the copied commands, the test call and the
// proxy all ask it.
func APIAuthorization(p model.Profile, t *model.Token, secret string) (string, error) {
	if p.BasicAPI() {
		if secret == "" {
			return "", fmt.Errorf("API calls of %q use Basic auth, which needs the client secret: %w", p.Name, ErrNoCredential)
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(p.ClientID+":"+secret)), nil
	}
	if t == nil {
		return "", fmt.Errorf("API calls of %q need a token: %w", p.Name, ErrNoCredential)
	}
	return HeaderValue(t), nil
}

// SetAPIHeaders puts on h what a request to p's API carries: p's extra
// headers (p as storage.Keychain.Resolve returned it) and the
// Authorization APIAuthorization gives for t and secret, replacing any
// Authorization h held.
func SetAPIHeaders(h http.Header, p model.Profile, t *model.Token, secret string) error {
	if err := p.HeadersResolved(); err != nil {
		return err
	}
	v, err := APIAuthorization(p, t, secret)
	if err != nil {
		return err
	}
	for _, hd := range p.Headers {
		h.Set(hd.Name, hd.Value)
	}
	h.Set("Authorization", v)
	return nil
}

// Scheme is the authorization scheme for a token type: "Bearer" for bearer
// tokens however the server spelled it (or left it out), any other type as
// given.
func Scheme(tokenType string) string {
	if tokenType == "" || strings.EqualFold(tokenType, "bearer") {
		return "Bearer"
	}
	return tokenType
}

// HeaderValue is the Authorization header's value for t.
func HeaderValue(t *model.Token) string { return Scheme(t.TokenType) + " " + t.AccessToken }

// RequestURL resolves a request path against the profile's base URL. An
// absolute URL is used as given; an empty path means the profile's default
// request path.
func RequestURL(p model.Profile, path string) (string, error) {
	if path == "" {
		path = p.RequestPath
	}
	if path == "" {
		path = p.ProbePath // a call that answers beats the server's root, which rarely does
	}
	if u, err := url.Parse(path); err == nil && u.IsAbs() {
		if err := clearText(p, path); err != nil {
			return "", err
		}
		return path, nil
	}
	if p.BaseURL == "" {
		if path == "" {
			return "", fmt.Errorf("profile %q has no base URL and no request path was given", p.Name)
		}
		return "", fmt.Errorf("profile %q has no base URL: give an absolute URL instead of %q", p.Name, path)
	}
	base, err := url.Parse(p.BaseURL)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", p.BaseURL, err)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/" // "https://api/fhir" + "R4/Patient" means under fhir/
	}
	ref, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return "", fmt.Errorf("request path %q: %w", path, err)
	}
	u := base.ResolveReference(ref)
	u.RawQuery = strings.ReplaceAll(u.RawQuery, " ", "%20")
	if err := clearText(p, u.String()); err != nil {
		return "", err
	}
	return u.String(), nil
}

// clearText refuses a request URL that would carry the token (and the
// secret headers) over plain http:// to a host other than loopback, unless
// the profile allows insecure transport.
func clearText(p model.Profile, u string) error {
	if p.AllowInsecure || model.SecureTransport(u) {
		return nil
	}
	return fmt.Errorf("%s: %w", u, model.ErrInsecureBaseURL)
}
