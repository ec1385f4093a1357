// Package model is what Token Desk works with, apart from where it is kept:
// a profile (a client of an authorization server, its settings and the rules
// that make them valid), and a token as a server issued it.
package model

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/tokendesk/tokendesk/internal/loopback"
	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/secretref"
)

// AuthStyle says how the client authenticates at the token endpoint.
type AuthStyle string

// The auth styles a profile can have. The zero value means AuthAuto.
const (
	// AuthAuto tries HTTP Basic first and, when the server refuses the
	// client (400 or 401), the form body.
	AuthAuto AuthStyle = "auto"
	// AuthHeader sends the client ID and secret as HTTP Basic
	// (client_secret_basic).
	AuthHeader AuthStyle = "header"
	// AuthBody sends them as form fields (client_secret_post).
	AuthBody AuthStyle = "body"
	// AuthPrivateKeyJWT signs a short-lived JWT with the client's private
	// key (RFC 7523 §2.2); there is no client secret.
	AuthPrivateKeyJWT AuthStyle = "private_key_jwt"
	// AuthClientSecretJWT signs a short-lived JWT with the client secret
	// as an HMAC key (HS256; OpenID Connect Core §9); the secret itself
	// never crosses the network.
	AuthClientSecretJWT AuthStyle = "client_secret_jwt"
	// AuthTLS presents a client certificate on the TLS connection (RFC
	// 8705 tls_client_auth, and self_signed_tls_client_auth, which differs
	// only in how the server checks the certificate); the form carries the
	// client ID and no secret.
	AuthTLS AuthStyle = "tls_client_auth"
	// AuthNone is a public client (RFC 6749 §2.1; RFC 8252's native apps):
	// the form carries the client ID and there is no credential. Only a
	// grant a person signs in to (or token exchange) can use it.
	AuthNone AuthStyle = "none"
)

// AuthStyles lists the valid auth styles in the order a form offers them.
var AuthStyles = []AuthStyle{AuthAuto, AuthHeader, AuthBody, AuthPrivateKeyJWT, AuthClientSecretJWT, AuthTLS, AuthNone}

// Grant is how a profile gets its token (RFC 6749 §1.3 and the grants
// since).
type Grant string

// The grants a profile can have. The zero value means GrantClientCredentials.
const (
	// GrantClientCredentials asks for a token as the client itself (RFC
	// 6749 §4.4).
	GrantClientCredentials Grant = "client_credentials"
	// GrantAuthorizationCode signs a person in through the system browser,
	// with PKCE and a loopback redirect (RFC 6749 §4.1, RFC 7636, RFC 8252).
	GrantAuthorizationCode Grant = "authorization_code"
	// GrantDeviceCode signs a person in on another device with a short
	// code (RFC 8628).
	GrantDeviceCode Grant = "device_code"
	// GrantTokenExchange trades another token for this profile's (RFC 8693).
	GrantTokenExchange Grant = "token_exchange"
)

// Grants lists the grants in the order a form offers them.
var Grants = []Grant{GrantClientCredentials, GrantAuthorizationCode, GrantDeviceCode, GrantTokenExchange}

// SignsIn says whether a person signs in to get the grant's tokens, which
// are then renewed with a refresh token.
func (g Grant) SignsIn() bool { return g == GrantAuthorizationCode || g == GrantDeviceCode }

// ParseAuthStyle reads an auth style by its Token Desk name or by its
// token_endpoint_auth_method name from the RFCs, as servers list them
// (client_secret_basic, client_secret_post, self_signed_tls_client_auth).
func ParseAuthStyle(s string) AuthStyle {
	switch s {
	case "client_secret_basic":
		return AuthHeader
	case "client_secret_post":
		return AuthBody
	case "self_signed_tls_client_auth":
		return AuthTLS
	}
	return AuthStyle(s)
}

// UsesKey says whether the style's credential is a private key (kept in
// the keychain under the profile's private-key entry) rather than a
// client secret.
func (s AuthStyle) UsesKey() bool { return s == AuthPrivateKeyJWT || s == AuthTLS }

// APIAuth says how calls to a profile's API authenticate. The zero value
// means APIBearer.
type APIAuth string

// The ways a profile's API calls can authenticate.
const (
	// APIBearer sends the access token: Authorization: Bearer <token>.
	APIBearer APIAuth = "bearer"
	// APIBasic sends the client ID and secret as HTTP Basic on every call
	// and no token: what Medplum asks of a ClientApplication acting on
	// behalf of a user (X-Medplum-On-Behalf-Of).
	APIBasic APIAuth = "basic"
)

// Header is an extra HTTP header for the requests made with the token (the
// copied curl and HTTPie commands, the test call), such as Medplum's
// X-Medplum-On-Behalf-Of. A plain header's value is a setting, saved in
// the profiles file; a secret one's (an API gateway's key) lives in the
// keychain (Keychain.Resolve fills it in) and never reaches the file.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// TokenRequest sends the header on the token request too; by default
	// it is only on the requests that carry the token.
	TokenRequest bool `json:"tokenRequest,omitempty"`
	// Secret keeps the value in the keychain.
	Secret bool `json:"secret,omitempty"`
	// Ref, for a secret header, is the secret reference its value comes
	// from instead of the keychain (package secretref).
	Ref string `json:"ref,omitempty"`
}

// MarshalJSON leaves a secret header's value out, whatever holds it: the
// profiles file and exports are written through here.
func (h Header) MarshalJSON() ([]byte, error) {
	type plain Header
	if h.Secret {
		h.Value = ""
		return json.Marshal(struct {
			plain
			Value string `json:"value,omitempty"`
		}{plain: plain(h)})
	}
	return json.Marshal(plain(h))
}

// String is the header as a request line; a secret one's value is masked.
func (h Header) String() string {
	if h.Secret {
		return h.Name + ": ••••••"
	}
	return h.Name + ": " + h.Value
}

// Line is the header as sent, value and all.
func (h Header) Line() string { return h.Name + ": " + h.Value }

// EnvName is the shell variable a shared command names in place of a
// secret header's value: X-Api-Key → $X_API_KEY.
func (h Header) EnvName() string {
	b := []byte(strings.ToUpper(h.Name))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// ParseHeader reads "Name: value".
func ParseHeader(s string) (Header, error) {
	name, value, ok := strings.Cut(s, ":")
	h := Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)}
	if !ok {
		return h, fmt.Errorf("header %q: want Name: value", s)
	}
	return h, h.check()
}

// ParseSecretHeader reads "Name: value" for a secret header; its errors
// never quote the value.
func ParseSecretHeader(s string) (Header, error) {
	name, value, ok := strings.Cut(s, ":")
	h := Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value), Secret: true}
	if !ok {
		return h, errors.New("secret header: want Name: value")
	}
	if h.Value == "" {
		return h, fmt.Errorf("secret header %s: the value is empty", h.Name)
	}
	return h, h.check()
}

// check refuses what no HTTP request can carry, and the headers Token Desk
// sets itself.
func (h Header) check() error {
	if h.Name == "" {
		return errors.New("a header needs a name")
	}
	for _, r := range h.Name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return fmt.Errorf("header name %q: letters, digits and -_.!#$%%&'*+^`|~ only", h.Name)
		}
	}
	if strings.ContainsAny(h.Value, "\r\n\x00") {
		return fmt.Errorf("header %s: the value must be one line", h.Name)
	}
	switch strings.ToLower(h.Name) {
	case "authorization", "host", "content-length", "transfer-encoding":
		return fmt.Errorf("header %s is set by Token Desk itself", h.Name)
	}
	if h.Ref != "" {
		if !h.Secret {
			return fmt.Errorf("header %s: only a secret header's value comes from a reference", h.Name)
		}
		if _, err := secretref.Parse(h.Ref); err != nil {
			return fmt.Errorf("header %s: %w", h.Name, err)
		}
	}
	return nil
}

// Profile is one saved client: what the client-credentials request needs,
// except the secret, which lives in the keychain. Its auth fields mirror
// clientcredentials.Config.
type Profile struct {
	// ID is generated once and never changes; the keychain entries are
	// keyed by it, so renaming a profile keeps its secret and cached token.
	ID string `json:"id,omitempty"`
	// Name is what a person types (`tokendesk token NAME`); unique.
	Name string `json:"name"`
	// Env is a free-text environment label such as local, staging or prod.
	Env string `json:"env,omitempty"`

	// TokenURL is the token endpoint.
	TokenURL string `json:"tokenUrl"`
	// BaseURL is the API the token is for; copied curl commands resolve
	// request paths against it. Empty means none.
	BaseURL string `json:"baseUrl,omitempty"`
	// ClientID is the client's identifier.
	ClientID string `json:"clientId"`
	// Scopes are requested as a space-separated scope parameter; none means
	// the parameter is left out.
	Scopes []string `json:"scopes,omitempty"`
	// AuthStyle: empty means AuthAuto.
	AuthStyle AuthStyle `json:"authStyle,omitempty"`
	// Params are extra token request parameters (audience, resource, …),
	// sent as EndpointParams.
	Params url.Values `json:"params,omitempty"`
	// SecretRef, when set, is where the client secret (or the private key,
	// for the styles that use one) comes from instead of the keychain: a
	// reference such as op://vault/item/field (package secretref),
	// resolved when needed and held in memory only.
	SecretRef string `json:"secretRef,omitempty"`
	// SecretRefNoCache resolves SecretRef for every request rather than
	// once per process.
	SecretRefNoCache bool `json:"secretRefNoCache,omitempty"`
	// Team is the team file a team profile was read from; empty for a
	// person's own. It is never saved: a team profile is read-only.
	Team string `json:"-"`
	// TeamTrust says whether the person allowed the team file as it was
	// read, which a team profile needs before its secret references are
	// resolved or its token requested. Never saved.
	TeamTrust Trust `json:"-"`

	// RequestPath is the default path for the copied curl command.
	RequestPath string `json:"requestPath,omitempty"`
	// ProbePath is what "Test" calls with the token, e.g. Medplum's
	// auth/me; empty means the request path.
	ProbePath string `json:"probePath,omitempty"`
	// AutoRefresh fetches a new token before the current one expires.
	AutoRefresh bool `json:"autoRefresh,omitempty"`
	// AllowInsecure permits plain http:// to a host other than loopback
	// for the token URL, the introspection URL and the base URL, which
	// sends the secret (or the token) in clear text.
	AllowInsecure bool `json:"allowInsecureHttp,omitempty"`
	// TimeoutSeconds bounds the token request; zero means 30 seconds.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// ClientCert is the PEM certificate (chain) presented with
	// tls_client_auth; its private key is in the keychain. A certificate is
	// public, so it lives here.
	ClientCert string `json:"clientCertificate,omitempty"`
	// IntrospectionURL is the RFC 7662 endpoint that "Inspect" asks about
	// the current token. Empty means: look it up by discovery.
	IntrospectionURL string `json:"introspectionUrl,omitempty"`
	// APIAuth: empty means APIBearer.
	APIAuth APIAuth `json:"apiAuth,omitempty"`
	// Headers are added to the requests made with the token, and those so
	// marked to the token request.
	Headers []Header `json:"headers,omitempty"`
	// CAFile is a PEM bundle of certificate authorities to trust for this
	// profile's token endpoint (a dev server's self-signed certificate), on
	// top of the system's. Empty means the system's only; verification is
	// never turned off.
	CAFile string `json:"caFile,omitempty"`
	// Notes is free text for the person.
	Notes string `json:"notes,omitempty"`

	// Grant is how the token is got; empty means GrantClientCredentials.
	Grant Grant `json:"grant,omitempty"`
	// AuthorizeURL is the authorization endpoint the browser is sent to
	// (authorization_code).
	AuthorizeURL string `json:"authorizeUrl,omitempty"`
	// DeviceURL is the device authorization endpoint (device_code).
	DeviceURL string `json:"deviceUrl,omitempty"`
	// RevocationURL is the RFC 7009 endpoint that sign-out revokes the
	// refresh token at. Empty means: look it up by discovery.
	RevocationURL string `json:"revocationUrl,omitempty"`
	// Issuer is the server's issuer identifier; when set, a callback whose
	// iss differs is refused (RFC 9207). Empty means not checked.
	Issuer string `json:"issuer,omitempty"`
	// RedirectURI is the exact loopback redirect URI to listen on, for a
	// server that matches registered redirect URIs exactly (Medplum's
	// http://localhost:9615). Empty means http://127.0.0.1:PORT/callback.
	RedirectURI string `json:"redirectUri,omitempty"`
	// RedirectPort is the loopback port of the default redirect URI; zero
	// means a free one, chosen at each sign-in.
	RedirectPort int `json:"redirectPort,omitempty"`
	// SubjectProfile is the ID of the profile whose token is exchanged
	// (token_exchange). Empty means the subject token is given at each
	// request (standard input).
	SubjectProfile string `json:"subjectProfile,omitempty"`
	// SubjectTokenType is the subject token's type URI; empty means
	// urn:ietf:params:oauth:token-type:access_token.
	SubjectTokenType string `json:"subjectTokenType,omitempty"`
}

// Trust is whether a person allowed a team file as it is now.
type Trust string

// The states of a team file's trust.
const (
	// TrustNone is a team file never allowed.
	TrustNone Trust = ""
	// TrustChanged is a team file allowed once and changed since.
	TrustChanged Trust = "changed"
	// TrustAllowed is a team file allowed as it is now.
	TrustAllowed Trust = "allowed"
)

// GrantType returns the profile's grant with the zero value resolved.
func (p Profile) GrantType() Grant {
	if p.Grant == "" {
		return GrantClientCredentials
	}
	return p.Grant
}

// NewID returns a fresh profile ID.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// Style returns the profile's auth style with the zero value resolved.
func (p Profile) Style() AuthStyle {
	if p.AuthStyle == "" {
		return AuthAuto
	}
	return p.AuthStyle
}

// BasicAPI says whether the profile's API calls carry the client ID and
// secret as HTTP Basic rather than the token.
func (p Profile) BasicAPI() bool { return p.APIAuth == APIBasic }

// Fingerprint identifies everything that decides which token the server
// hands out. A cached token whose fingerprint differs from its profile's was
// issued for other settings and is not used.
func (p Profile) Fingerprint() string {
	h := sha256.New()
	scopes := slices.Clone(p.Scopes)
	slices.Sort(scopes)
	fmt.Fprintf(h, "%q\n%q\n%q\n%q\n", p.TokenURL, p.ClientID, strings.Join(scopes, " "), p.Params.Encode())
	// Headers on the token request may change what the server hands out
	// (a tenant, a gateway key); only they count, and only when present, so
	// existing fingerprints stay as they were.
	for _, hd := range p.TokenHeaders() {
		fmt.Fprintf(h, "%q\n", hd.String())
	}
	// Likewise the grant and its subject, only for the grants added later.
	if g := p.GrantType(); g != GrantClientCredentials {
		fmt.Fprintf(h, "grant %q %q %q\n", g, p.SubjectProfile, p.SubjectTokenType)
	}
	// A person's refresh token goes to the revocation endpoint, found at
	// the issuer: a sign-in holds for them as they were.
	if p.GrantType().SignsIn() && (p.Issuer != "" || p.RevocationURL != "") {
		fmt.Fprintf(h, "revocation %q %q\n", p.Issuer, p.RevocationURL)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// HasSecretHeaders says whether any header's value is in the keychain.
func (p Profile) HasSecretHeaders() bool {
	return slices.ContainsFunc(p.Headers, func(h Header) bool { return h.Secret })
}

// ErrHeaderMissing says a secret header's value is not in this keychain,
// as when the profile came from another machine.
var ErrHeaderMissing = errors.New("missing from the keychain: enter it again in the profile's settings")

// WithHeaderValues returns p with its secret headers' values taken from
// vals (by header name); a value missing is an error naming the header.
func (p Profile) WithHeaderValues(vals map[string]string) (Profile, error) {
	hs := slices.Clone(p.Headers)
	for i, h := range hs {
		if !h.Secret {
			continue
		}
		v, ok := vals[h.Name]
		if !ok || v == "" {
			return p, fmt.Errorf("the value of header %s is %w", h.Name, ErrHeaderMissing)
		}
		hs[i].Value = v
	}
	p.Headers = hs
	return p, nil
}

// HeadersResolved returns an error (ErrHeaderMissing) naming a secret
// header of p that carries no value, as when p is not as the keychain's
// Resolve returned it: a request or command without it would fail, or send
// an empty key.
func (p Profile) HeadersResolved() error {
	for _, h := range p.Headers {
		if h.Secret && h.Value == "" {
			return fmt.Errorf("the value of header %s is %w", h.Name, ErrHeaderMissing)
		}
	}
	return nil
}

// TokenHeaders are the headers sent on the token request.
func (p Profile) TokenHeaders() []Header {
	var out []Header
	for _, h := range p.Headers {
		if h.TokenRequest {
			out = append(out, h)
		}
	}
	return out
}

// Validation errors that callers (forms, the CLI) show next to a field.
var (
	ErrNameRequired     = errors.New("a name is required")
	ErrClientIDRequired = errors.New("a client ID is required")
	// ErrPathNotRelative is a saved request or probe path that names a
	// host of its own.
	ErrPathNotRelative = errors.New("want a path under the base URL (like fhir/R4/Patient or auth/me), not a URL")
	ErrInsecureURL     = errors.New("plain http:// to a host other than loopback would send the client secret in clear text; use https:// or allow insecure transport for this profile")
	// ErrInsecureBaseURL is ErrInsecureURL for the API the token is sent
	// to: the test call and the copied commands would carry the token and
	// the secret headers in clear text.
	ErrInsecureBaseURL = errors.New("the base URL is plain http:// to a host other than loopback, which would send the token and secret headers in clear text; use https:// or allow insecure transport for this profile")
)

// Validate checks what every saved profile must satisfy. It does not check
// that the name is unique; the file does that.
func (p Profile) Validate() error {
	if strings.TrimSpace(p.Name) == "" {
		return ErrNameRequired
	}
	// What people read and type, and what suggested commands quote: a
	// control character in them could rewrite the terminal they are shown
	// on, a bidi mark reorder them.
	for _, f := range [][2]string{{"name", p.Name}, {"client ID", p.ClientID}, {"environment", p.Env}} {
		if safetext.Unsafe(f[1]) {
			return fmt.Errorf("%s %q: no control characters, line breaks or invisible marks", f[0], f[1])
		}
	}
	if err := CheckURL("token URL", p.TokenURL); err != nil {
		return err
	}
	if !p.AllowInsecure && !SecureTransport(p.TokenURL) {
		return ErrInsecureURL
	}
	if p.BaseURL != "" {
		if err := CheckURL("base URL", p.BaseURL); err != nil {
			return err
		}
		if !p.AllowInsecure && !SecureTransport(p.BaseURL) {
			return ErrInsecureBaseURL
		}
	}
	// A saved path stays under the base URL: one naming another host would
	// send the token (secret headers, a Basic credential, the client
	// certificate) wherever a shared file said. An absolute URL is for a
	// command-line argument, typed each time.
	for _, f := range [][2]string{{"request path", p.RequestPath}, {"probe path", p.ProbePath}} {
		if u, err := url.Parse(f[1]); f[1] != "" && (err != nil || u.IsAbs() || u.Host != "" || strings.HasPrefix(f[1], "//")) {
			return fmt.Errorf("%s %q: %w", f[0], f[1], ErrPathNotRelative)
		}
	}
	if strings.TrimSpace(p.ClientID) == "" {
		return ErrClientIDRequired
	}
	if !slices.Contains(AuthStyles, p.Style()) {
		names := make([]string, len(AuthStyles))
		for i, s := range AuthStyles {
			names[i] = string(s)
		}
		return fmt.Errorf("auth style %q: want one of %s", p.AuthStyle, strings.Join(names, ", "))
	}
	switch p.APIAuth {
	case "", APIBearer:
	case APIBasic:
		if p.Style().UsesKey() {
			return fmt.Errorf("API calls with Basic auth send the client secret, and %s has none: use bearer", p.Style())
		}
	default:
		return fmt.Errorf("API auth %q: want bearer or basic", p.APIAuth)
	}
	if p.Style() == AuthTLS {
		if err := CheckCertificate(p.ClientCert); err != nil {
			return err
		}
	}
	if err := p.validateGrant(); err != nil {
		return err
	}
	if p.IntrospectionURL != "" {
		if err := CheckURL("introspection URL", p.IntrospectionURL); err != nil {
			return err
		}
		if !p.AllowInsecure && !SecureTransport(p.IntrospectionURL) {
			return errors.New("plain http:// to a host other than loopback would send the client's credential and the token in clear text; use https:// for the introspection URL or allow insecure transport")
		}
	}
	for _, h := range p.Headers {
		if err := h.check(); err != nil {
			return err
		}
	}
	if p.SecretRef != "" {
		if _, err := secretref.Parse(p.SecretRef); err != nil {
			return err
		}
	}
	if p.TimeoutSeconds < 0 {
		return fmt.Errorf("timeout %d s: must not be negative", p.TimeoutSeconds)
	}
	return nil
}

// CheckCertificate reports whether pemText holds an X.509 certificate, as
// tls_client_auth needs.
func CheckCertificate(pemText string) error {
	if strings.TrimSpace(pemText) == "" {
		return errors.New("tls_client_auth needs a client certificate (PEM)")
	}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "CERTIFICATE" {
		return errors.New("the client certificate is not a PEM CERTIFICATE block")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return fmt.Errorf("the client certificate does not parse: %w", err)
	}
	return nil
}

// CheckURL reports whether s is an absolute http or https URL with a host.
func CheckURL(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is required", what)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%s %q is not a URL", what, s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s %q must start with https:// or http://", what, s)
	}
	if u.Host == "" {
		return fmt.Errorf("%s %q has no host", what, s)
	}
	if u.User != nil {
		return fmt.Errorf("%s must not carry a user name or password", what)
	}
	return nil
}

// ClearText says whether the profile sends a secret or its token over plain
// http:// to a host other than loopback (which AllowInsecure permits): the
// window marks such a profile with a warning sign.
func (p Profile) ClearText() bool {
	for _, u := range []string{p.TokenURL, p.BaseURL, p.IntrospectionURL, p.AuthorizeURL, p.DeviceURL, p.RevocationURL} {
		if u != "" && !SecureTransport(u) {
			return true
		}
	}
	return false
}

// SecureTransport reports whether a request to rawURL keeps a secret out of
// clear text on the network: https, or http to a loopback host.
func SecureTransport(rawURL string) bool { return loopback.Secure(rawURL) }

// Loopback says whether host is this machine: a loopback IP, localhost, or
// a name under .localhost (RFC 6761). It is the one definition of loopback:
// the HTTP client dials these names on 127.0.0.1 itself and never through a
// proxy, so that what is called loopback here stays on this machine.
func Loopback(host string) bool { return loopback.Host(host) }

// Matches reports whether the profile matches a filter typed by a person:
// every word must appear in its name, environment or client ID.
func (p Profile) Matches(filter string) bool {
	hay := strings.ToLower(p.Name + "\x00" + p.Env + "\x00" + p.ClientID)
	for _, w := range strings.Fields(strings.ToLower(filter)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
