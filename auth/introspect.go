package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokendesk/tokendesk/storage"
)

// Introspection is what an RFC 7662 endpoint said about a token.
type Introspection struct {
	// Endpoint is the URL that answered.
	Endpoint string
	// Active is the server's word on whether the token is usable now.
	Active bool
	// Fields are all the fields of the answer as text, those people look
	// for first: active, scope, client_id, sub, exp, …
	Fields []Claim
	// Raw is the answer as sent.
	Raw json.RawMessage
	// Exp is the expiry the server gave, zero if none.
	Exp time.Time
}

// introspectionOrder is the order Inspect shows fields in.
var introspectionOrder = []string{"active", "scope", "client_id", "sub", "exp", "iat", "nbf", "token_type", "username", "aud", "iss", "jti"}

// ErrNoIntrospection says neither the profile nor the server's metadata
// names an introspection endpoint.
var ErrNoIntrospection = errors.New("no introspection endpoint: the server's metadata lists none; give the profile one (--introspection-url)")

// IntrospectionEndpoint is p's introspection URL, or the one the server
// advertises in its metadata (looked up from the token URL's issuer).
func (c *Client) IntrospectionEndpoint(ctx context.Context, p storage.Profile) (string, error) {
	if p.IntrospectionURL != "" {
		return p.IntrospectionURL, nil
	}
	base := p.TokenURL
	if i := strings.LastIndex(base, "/"); i > len("https://") {
		base = base[:i] // https://host/oauth2/token → https://host/oauth2
	}
	m, err := c.Discover(ctx, base)
	if err != nil {
		return "", fmt.Errorf("%w\n%v", ErrNoIntrospection, err)
	}
	if m.IntrospectionEndpoint == "" {
		return "", ErrNoIntrospection
	}
	return m.IntrospectionEndpoint, nil
}

// Introspect asks the server about t (RFC 7662), authenticating as p's
// client with credential, the way the token request does.
func (c *Client) Introspect(ctx context.Context, p storage.Profile, credential string, t *Token) (*Introspection, error) {
	endpoint, err := c.IntrospectionEndpoint(ctx, p)
	if err != nil {
		return nil, err
	}
	if !p.AllowInsecure && !storage.SecureTransport(endpoint) {
		return nil, fmt.Errorf("the introspection endpoint %s is plain http:// to a host other than loopback; it would get the token and the client's credential in clear text", endpoint)
	}
	timeout := timeoutOf(p)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc, err := c.clientFor(p, credential)
	if err != nil {
		return nil, err
	}
	if hs := p.TokenHeaders(); len(hs) > 0 {
		// The headers the authorization server wants on the token request
		// (a gateway's tenant, say) go to its introspection endpoint too.
		ctx = context.WithValue(ctx, headersKey{}, hs)
	}
	form := url.Values{"token": {t.AccessToken}, "token_type_hint": {"access_token"}}
	basic := false
	switch p.Style() {
	case storage.AuthAuto, storage.AuthHeader:
		basic = true
	case storage.AuthBody:
		form.Set("client_id", p.ClientID)
		form.Set("client_secret", credential)
	case storage.AuthPrivateKeyJWT, storage.AuthClientSecretJWT:
		assertion, err := c.assertionParams(p, credential)
		if err != nil {
			return nil, err
		}
		form.Set("client_id", p.ClientID)
		for k, v := range assertion {
			form[k] = v
		}
	case storage.AuthTLS:
		form.Set("client_id", p.ClientID)
	}
	post := func(basic bool) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if basic {
			// RFC 6749 §2.3.1: both form-encoded before Basic.
			req.SetBasicAuth(url.QueryEscape(p.ClientID), url.QueryEscape(credential))
		}
		var body []byte
		req = req.WithContext(context.WithValue(ctx, captureKey{}, &body))
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		resp.Body.Close() // captureTransport has read it
		return resp, body, nil
	}
	resp, body, err := post(basic)
	if err == nil && p.Style() == storage.AuthAuto && resp.StatusCode == http.StatusUnauthorized {
		form.Set("client_id", p.ClientID)
		form.Set("client_secret", credential)
		if r2, b2, err2 := post(false); err2 == nil && r2.StatusCode == http.StatusOK {
			resp, body = r2, b2
		}
	}
	secrets := []string{credential, t.AccessToken}
	if err != nil {
		q := p
		q.TokenURL = endpoint
		return nil, redactAll(describe(ctx, q, credential, timeout, err), secrets)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, answerError("introspection endpoint", resp, body, secrets)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("the introspection endpoint answered with something other than a JSON object: %q", redactEach(snippet(body), secrets))
	}
	active, ok := m["active"].(bool)
	if !ok {
		return nil, errors.New(`the introspection endpoint's answer has no "active" true or false`)
	}
	in := &Introspection{Endpoint: endpoint, Active: active, Raw: body, Fields: ordered(m, introspectionOrder)}
	if exp, ok := m["exp"].(float64); ok {
		in.Exp = time.Unix(int64(exp), 0)
	}
	return in, nil
}

// answerError is a non-success answer from an endpoint other than the
// token endpoint, as a FetchError.
func answerError(endpoint string, resp *http.Response, body []byte, secrets []string) error {
	fe := &FetchError{Endpoint: endpoint, Status: resp.Status, StatusCode: resp.StatusCode}
	fe.ContentType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var oe struct {
		Code        string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &oe) == nil && oe.Code != "" {
		fe.Code, fe.Description = redactEach(oe.Code, secrets), redactEach(oe.Description, secrets)
	} else {
		fe.Snippet = redactEach(snippet(body), secrets)
	}
	return fe
}

func redactEach(s string, secrets []string) string {
	for _, v := range secrets {
		s = redact(s, v)
	}
	return s
}

func redactAll(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := redactEach(err.Error(), secrets)
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
