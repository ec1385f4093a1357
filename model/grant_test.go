package model

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateGrant(t *testing.T) {
	base := Profile{Name: "me", ClientID: "app", TokenURL: "https://as.example/token"}
	code := base
	code.Grant, code.AuthStyle, code.AuthorizeURL = GrantAuthorizationCode, AuthNone, "https://as.example/authorize"
	tests := []struct {
		name string
		edit func(p *Profile)
		want string // "" valid; else a piece of the error
	}{
		{"code", func(p *Profile) {}, ""},
		{"code with a confidential client", func(p *Profile) { p.AuthStyle = AuthHeader }, ""},
		{"code without an authorization URL", func(p *Profile) { p.AuthorizeURL = "" }, "--authorize-url"},
		{"code over clear text", func(p *Profile) { p.AuthorizeURL = "http://as.example/authorize" }, "plain http://"},
		{"medplum's exact redirect", func(p *Profile) { p.RedirectURI = "http://localhost:9615" }, ""},
		{"redirect off loopback", func(p *Profile) { p.RedirectURI = "http://example.com:9615/cb" }, "loopback only"},
		{"redirect without a port", func(p *Profile) { p.RedirectURI = "http://127.0.0.1/cb" }, "name the port"},
		{"redirect over https", func(p *Profile) { p.RedirectURI = "https://127.0.0.1:9615/cb" }, "want http://127.0.0.1:PORT"},
		{"redirect URI and port", func(p *Profile) { p.RedirectURI, p.RedirectPort = "http://127.0.0.1:9615/cb", 9615 }, "not both"},
		{"port out of range", func(p *Profile) { p.RedirectPort = 70000 }, "redirect port"},
		{"device without its URL", func(p *Profile) { p.Grant = GrantDeviceCode }, "--device-url"},
		{"device", func(p *Profile) { p.Grant, p.DeviceURL = GrantDeviceCode, "https://as.example/device" }, ""},
		{"unknown grant", func(p *Profile) { p.Grant = "password" }, `grant "password"`},
		{"public client credentials", func(p *Profile) { p.Grant = "" }, "auth style none"},
		{"exchange from itself", func(p *Profile) { p.Grant, p.ID, p.SubjectProfile = GrantTokenExchange, "x", "x" }, "from itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := code
			tt.edit(&p)
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v; want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
	if p := base; !errors.Is(func() error { p.AuthStyle = AuthNone; return p.Validate() }(), ErrPublicClientCredentials) {
		t.Error("a public client_credentials profile is not ErrPublicClientCredentials")
	}
}

func TestFingerprintSeesTheGrant(t *testing.T) {
	cc := Profile{TokenURL: "https://as.example/token", ClientID: "app"}
	code := cc
	code.Grant = GrantAuthorizationCode
	explicit := cc
	explicit.Grant = GrantClientCredentials
	if cc.Fingerprint() == code.Fingerprint() {
		t.Error("a change of grant keeps the fingerprint: a client's token would pass for a person's")
	}
	if cc.Fingerprint() != explicit.Fingerprint() {
		t.Error("client_credentials named or left zero fingerprint differently")
	}
}
