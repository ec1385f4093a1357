package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// Metadata is what an authorization server says of itself (OpenID Connect
// Discovery, RFC 8414).
type Metadata struct {
	Issuer                string   `json:"issuer"`
	TokenEndpoint         string   `json:"token_endpoint"`
	IntrospectionEndpoint string   `json:"introspection_endpoint,omitempty"`
	AuthorizationEndpoint string   `json:"authorization_endpoint,omitempty"`
	DeviceEndpoint        string   `json:"device_authorization_endpoint,omitempty"`
	RevocationEndpoint    string   `json:"revocation_endpoint,omitempty"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint,omitempty"`
	PKCEMethods           []string `json:"code_challenge_methods_supported,omitempty"`
	// IssInResponse says the server sends iss with the callback (RFC 9207).
	IssInResponse bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	AuthMethods   []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	GrantTypes    []string `json:"grant_types_supported,omitempty"`
	Scopes        []string `json:"scopes_supported,omitempty"`
	// Source is the document the metadata came from.
	Source string `json:"-"`
}

// wellKnown lists where metadata may be for base, each with the issuer its
// answer must name (RFC 8414 §3.3): OpenID Connect's location first, then
// RFC 8414's (which puts the well-known part before the issuer's path),
// each also at the host's root.
func wellKnown(base string) ([]place, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", base)
	}
	path := strings.TrimSuffix(u.Path, "/")
	root := u.Scheme + "://" + u.Host
	var out []place
	add := func(doc, issuer string) {
		if !slices.ContainsFunc(out, func(p place) bool { return p.doc == doc }) {
			out = append(out, place{doc: doc, issuer: issuer})
		}
	}
	add(root+path+"/.well-known/openid-configuration", root+path)
	add(root+"/.well-known/oauth-authorization-server"+path, root+path)
	add(root+"/.well-known/openid-configuration", root)
	add(root+"/.well-known/oauth-authorization-server", root)
	return out, nil
}

// place is a metadata document's URL and the issuer it is for.
type place struct{ doc, issuer string }

// sameIssuer compares issuer identifiers as servers write them: a trailing
// slash aside, exactly.
func sameIssuer(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// ErrIssuerDiffers is metadata naming another issuer than the one it was
// fetched for (RFC 8414 §3.3): it is not used.
var ErrIssuerDiffers = errors.New("the server's metadata names another issuer")

// Discover fetches the server metadata for an issuer or base URL.
func (c *Client) Discover(ctx context.Context, base string) (*Metadata, error) {
	urls, err := wellKnown(base)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	// The metadata decides where tokens go (revocation, userinfo,
	// introspection): a redirect is followed only within the origin, so
	// neither another host nor plain http can answer for the server.
	hc := &http.Client{Transport: c.http.Transport, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if origin(next.URL) != origin(via[0].URL) {
			return fmt.Errorf("redirected to %s, another origin; not followed", safetext.Escape(origin(next.URL)))
		}
		return nil
	}}
	var tried []string
	for _, pl := range urls {
		u := pl.doc
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("no answer from %s within %s", hostOf(u), DefaultTimeout)
			}
			tried = append(tried, fmt.Sprintf("%s: %v", u, rootCause(err)))
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			tried = append(tried, fmt.Sprintf("%s: %s", u, resp.Status))
			continue
		}
		var m Metadata
		if err := json.Unmarshal(body, &m); err != nil || m.TokenEndpoint == "" {
			tried = append(tried, fmt.Sprintf("%s: no token_endpoint in the answer", u))
			continue
		}
		if !sameIssuer(m.Issuer, pl.issuer) {
			return nil, fmt.Errorf("%w: %s names \"%s\", not \"%s\", the issuer it was fetched for", ErrIssuerDiffers, u, safetext.Escape(cut(m.Issuer, 200)), pl.issuer)
		}
		m.Source = u
		return &m, nil
	}
	return nil, fmt.Errorf("no server metadata found:\n  %s", strings.Join(tried, "\n  "))
}

// authMethods are the token_endpoint_auth_methods_supported names a style
// is served by; none for auto.
func authMethods(s model.AuthStyle) []string {
	switch s {
	case model.AuthHeader:
		return []string{"client_secret_basic"}
	case model.AuthBody:
		return []string{"client_secret_post"}
	case model.AuthPrivateKeyJWT, model.AuthClientSecretJWT:
		return []string{string(s)}
	case model.AuthTLS:
		return []string{"tls_client_auth", "self_signed_tls_client_auth"}
	}
	return nil
}

// grantNames are the grant_types_supported names of each grant.
var grantNames = map[model.Grant]string{
	model.GrantClientCredentials: "client_credentials",
	model.GrantAuthorizationCode: "authorization_code",
	model.GrantDeviceCode:        grantTypeDeviceCode,
	model.GrantTokenExchange:     GrantTypeTokenExchange,
}

// Grants lists the grants the server offers, in the order a form offers
// them: those it lists (an authorization or device endpoint standing in
// for a list it does not give), or every grant when it lists none.
func (m *Metadata) Grants() []model.Grant {
	var out []model.Grant
	for _, g := range model.Grants {
		switch {
		case len(m.GrantTypes) > 0:
			if slices.Contains(m.GrantTypes, grantNames[g]) {
				out = append(out, g)
			}
		case g == model.GrantAuthorizationCode && m.AuthorizationEndpoint == "",
			g == model.GrantDeviceCode && m.DeviceEndpoint == "":
		default:
			out = append(out, g)
		}
	}
	return out
}

// Fill sets the endpoints p's grant needs from the metadata, where p has
// none: token, authorization, device, revocation and introspection, and
// the issuer that callbacks are checked against.
func (m *Metadata) Fill(p *model.Profile) {
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&p.TokenURL, m.TokenEndpoint}, {&p.IntrospectionURL, m.IntrospectionEndpoint},
		{&p.RevocationURL, m.RevocationEndpoint}, {&p.Issuer, m.Issuer},
	} {
		if *f.dst == "" {
			*f.dst = f.v
		}
	}
	if p.GrantType() == model.GrantAuthorizationCode && p.AuthorizeURL == "" {
		p.AuthorizeURL = m.AuthorizationEndpoint
	}
	if p.GrantType() == model.GrantDeviceCode && p.DeviceURL == "" {
		p.DeviceURL = m.DeviceEndpoint
	}
}

// GrantWarnings says what in the metadata does not fit a profile with
// grant (other than client_credentials, whose check is in Warnings): the grant
// not offered, PKCE's S256 not listed (it is sent all the same).
func (m *Metadata) GrantWarnings(grant model.Grant) []string {
	var w []string
	if grant == "" || grant == model.GrantClientCredentials {
		return nil
	}
	if len(m.GrantTypes) > 0 && !slices.Contains(m.GrantTypes, grantNames[grant]) {
		w = append(w, "the server does not list "+grantNames[grant]+" among its grant types ("+strings.Join(m.GrantTypes, ", ")+")")
	}
	if grant == model.GrantAuthorizationCode && !slices.Contains(m.PKCEMethods, "S256") {
		w = append(w, "the server does not list PKCE's S256 among its code challenge methods; Token Desk sends it all the same")
	}
	return w
}

// Warnings says what in the metadata does not fit a profile with grant and
// style: the grant not offered (GrantWarnings), or the auth style not
// supported.
func (m *Metadata) Warnings(grant model.Grant, style model.AuthStyle) []string {
	w := m.GrantWarnings(grant)
	if (grant == "" || grant == model.GrantClientCredentials) && len(m.GrantTypes) > 0 && !slices.Contains(m.GrantTypes, "client_credentials") {
		w = append(w, "the server does not list client_credentials among its grant types ("+strings.Join(m.GrantTypes, ", ")+")")
	}
	if len(m.AuthMethods) > 0 {
		if want := authMethods(style); len(want) > 0 && !slices.ContainsFunc(want, func(a string) bool { return slices.Contains(m.AuthMethods, a) }) {
			w = append(w, fmt.Sprintf("the server does not list %s among its client authentication methods (%s)", strings.Join(want, " or "), strings.Join(m.AuthMethods, ", ")))
		}
		if style == model.AuthNone && !slices.Contains(m.AuthMethods, "none") {
			w = append(w, "the server does not list none (public clients) among its client authentication methods ("+strings.Join(m.AuthMethods, ", ")+")")
		}
		if style == model.AuthAuto && !slices.Contains(m.AuthMethods, "client_secret_basic") && !slices.Contains(m.AuthMethods, "client_secret_post") {
			w = append(w, "the server supports neither client_secret_basic nor client_secret_post ("+strings.Join(m.AuthMethods, ", ")+")")
		}
	}
	return w
}
