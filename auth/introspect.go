package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// Introspection is what an RFC 7662 endpoint said about a token.
type Introspection struct {
	// Endpoint is the URL that answered.
	Endpoint string
	// Active is the server's word on whether the token is usable now.
	Active bool
	// Claims are the fields of the answer, decoded and not escaped:
	// show them through format.IntrospectionFields.
	Claims map[string]any
	// Raw is the answer as sent.
	Raw json.RawMessage
	// Exp is the expiry the server gave, zero if none.
	Exp time.Time
}

// ErrNoIntrospection says neither the profile nor the server's metadata
// names an introspection endpoint.
var ErrNoIntrospection = errors.New("no introspection endpoint: the server's metadata lists none; give the profile its introspection URL")

// IntrospectionEndpoint is p's introspection URL, or the one the server
// advertises in its metadata (looked up where metadataBase says).
func (c *Client) IntrospectionEndpoint(ctx context.Context, p model.Profile) (string, error) {
	if p.IntrospectionURL != "" {
		return p.IntrospectionURL, nil
	}
	m, err := c.Discover(ctx, metadataBase(p))
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
func (c *Client) Introspect(ctx context.Context, p model.Profile, credential string, t *model.Token) (*Introspection, error) {
	endpoint, err := c.IntrospectionEndpoint(ctx, p)
	if err != nil {
		return nil, err
	}
	if !p.AllowInsecure && !model.SecureTransport(endpoint) {
		return nil, fmt.Errorf("the introspection endpoint %s is plain http:// to a host other than loopback; it would get the token and the client's credential in clear text", endpoint)
	}
	a, err := c.authOf(p, credential)
	if err != nil {
		return nil, err
	}
	red := a.redactor(append(secretValues(p), t.AccessToken)...)
	// The headers the authorization server wants on the token request (a
	// gateway's tenant, say) go to its introspection endpoint too (post).
	form := url.Values{"token": {t.AccessToken}, "token_type_hint": {"access_token"}}
	ans, err := c.post(ctx, p, "introspection endpoint", endpoint, a, form)
	if err != nil {
		return nil, red.err(err)
	}
	if ans.resp.StatusCode != http.StatusOK {
		return nil, ans.fetchError("introspection endpoint", red)
	}
	body := ans.body
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("the introspection endpoint answered with something other than a JSON object: %q", red.body(body))
	}
	active, ok := m["active"].(bool)
	if !ok {
		return nil, errors.New(`the introspection endpoint's answer has no "active" true or false`)
	}
	in := &Introspection{Endpoint: endpoint, Active: active, Raw: body, Claims: m}
	if exp, ok := m["exp"].(float64); ok {
		in.Exp = time.Unix(int64(exp), 0)
	}
	return in, nil
}
