package model

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Validation errors of the grants, shown next to their fields.
var (
	// ErrAuthorizeURLRequired is an authorization_code profile without an
	// authorization endpoint.
	ErrAuthorizeURLRequired = errors.New("authorization_code needs an authorization URL (--authorize-url)")
	// ErrDeviceURLRequired is a device_code profile without a device
	// authorization endpoint.
	ErrDeviceURLRequired = errors.New("device_code needs a device authorization URL (--device-url)")
	// ErrPublicClientCredentials is a client_credentials profile with no
	// client authentication: the grant is the client's own.
	ErrPublicClientCredentials = errors.New("client_credentials needs a client that authenticates: auth style none is for the grants a person signs in to")
)

// validateGrant checks the fields the profile's grant needs.
func (p Profile) validateGrant() error {
	g := p.GrantType()
	if !slices.Contains(Grants, g) {
		names := make([]string, len(Grants))
		for i, g := range Grants {
			names[i] = string(g)
		}
		return fmt.Errorf("grant %q: want one of %s", p.Grant, strings.Join(names, ", "))
	}
	if g == GrantClientCredentials && p.Style() == AuthNone {
		return ErrPublicClientCredentials
	}
	endpoint := func(what, u string, missing error) error {
		if u == "" {
			return missing
		}
		if err := CheckURL(what, u); err != nil {
			return err
		}
		if !p.AllowInsecure && !SecureTransport(u) {
			return fmt.Errorf("the %s is plain http:// to a host other than loopback: use https:// or allow insecure transport for this profile", what)
		}
		return nil
	}
	switch g {
	case GrantAuthorizationCode:
		if err := endpoint("authorization URL", p.AuthorizeURL, ErrAuthorizeURLRequired); err != nil {
			return err
		}
	case GrantDeviceCode:
		if err := endpoint("device authorization URL", p.DeviceURL, ErrDeviceURLRequired); err != nil {
			return err
		}
	}
	if p.RevocationURL != "" {
		if err := endpoint("revocation URL", p.RevocationURL, nil); err != nil {
			return err
		}
	}
	if p.RedirectURI != "" {
		if p.RedirectPort != 0 {
			return errors.New("give a redirect URI or a redirect port, not both")
		}
		if _, err := ParseRedirect(p.RedirectURI); err != nil {
			return err
		}
	}
	if p.RedirectPort < 0 || p.RedirectPort > 65535 {
		return fmt.Errorf("redirect port %d: want 1 to 65535 (or 0 for a free one)", p.RedirectPort)
	}
	if p.SubjectProfile != "" && p.SubjectProfile == p.ID {
		return errors.New("a token exchange profile cannot take its subject token from itself")
	}
	return nil
}

// ParseRedirect reads a redirect URI Token Desk can listen on: http:// to
// a loopback host with a port (RFC 8252 §7.3), and no fragment.
func ParseRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("redirect URI %q: want http://127.0.0.1:PORT/path or http://localhost:PORT/path", raw)
	}
	if !Loopback(u.Hostname()) || strings.HasSuffix(strings.ToLower(u.Hostname()), ".localhost") {
		return nil, fmt.Errorf("redirect URI %q: Token Desk listens on loopback only (127.0.0.1, [::1] or localhost)", raw)
	}
	if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("redirect URI %q: name the port", raw)
	}
	if u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("redirect URI %q: no fragment or user name", raw)
	}
	return u, nil
}
