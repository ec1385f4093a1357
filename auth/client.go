// Package auth runs client-credentials token requests, keeps each profile's
// token state in a Session, decodes JWT claims for display, and renders the
// token as the texts people copy (header, curl).
package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tokendesk/tokendesk/storage"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Token is an access token with what the server said about it.
type Token = storage.CachedToken

// Limits of the token request.
const (
	// DefaultTimeout bounds a token request whose profile sets none.
	DefaultTimeout = 30 * time.Second
	// MaxResponse is the largest token response read; a larger one is an
	// error, not a truncated token.
	MaxResponse = 1 << 20
)

// ErrInsecure refuses to send a client secret over plain HTTP to a host
// that is not loopback.
var ErrInsecure = storage.ErrInsecureURL

// Client fetches tokens. The zero value is not usable; call NewClient.
type Client struct {
	http *http.Client
	// Now is the clock expiries are computed against.
	Now func() time.Time

	mu   *sync.Mutex
	byCA map[string]*http.Client // clients trusting a profile's CA file
}

// NewClient returns a Client with one http.Client for all requests: proxy
// from the environment, TLS verification on, responses capped at
// MaxResponse, and no redirects followed (a token endpoint that redirects
// must not receive the client secret a second time, at another host).
func NewClient() *Client {
	return &Client{http: newHTTPClient(nil, nil), Now: time.Now, mu: &sync.Mutex{}, byCA: map[string]*http.Client{}}
}

func newHTTPClient(roots *x509.CertPool, cert *tls.Certificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	if roots != nil || cert != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
	}
	return &http.Client{
		Transport: &captureTransport{base: tr},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return &redirectError{to: req.URL.Redacted()}
		},
	}
}

// clientFor returns the HTTP client for p: the shared one, or one that also
// trusts p's CA file and, for tls_client_auth, presents p's certificate
// with key (the PEM private key from the keychain).
func (c *Client) clientFor(p storage.Profile, key string) (*http.Client, error) {
	mtls := p.Style() == storage.AuthTLS
	if p.CAFile == "" && !mtls {
		return c.http, nil
	}
	cacheKey := p.CAFile
	if mtls {
		sum := sha256.Sum256([]byte(p.ClientCert + "\x00" + key))
		cacheKey += "\x00" + hex.EncodeToString(sum[:])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.byCA[cacheKey]; ok {
		return hc, nil
	}
	var roots *x509.CertPool
	if p.CAFile != "" {
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read the CA file of %q: %w", p.Name, err)
		}
		roots, err = x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA file %s of %q holds no PEM certificate", p.CAFile, p.Name)
		}
	}
	var cert *tls.Certificate
	if mtls {
		pair, err := tls.X509KeyPair([]byte(p.ClientCert), []byte(key))
		if err != nil {
			// The error names neither key material nor certificate bytes.
			return nil, fmt.Errorf("the client certificate of %q does not go with its private key: %v", p.Name, err)
		}
		cert = &pair
	}
	hc := newHTTPClient(roots, cert)
	c.byCA[cacheKey] = hc
	return hc, nil
}

type redirectError struct{ to string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("the token endpoint redirected to %s; Token Desk does not follow redirects with a client secret: use the final URL as the token URL", e.to)
}

// Fetch runs the client-credentials request for p with its credential:
// the client secret, or for private_key_jwt and tls_client_auth the PEM
// private key.
func (c *Client) Fetch(ctx context.Context, p storage.Profile, secret string) (*Token, error) {
	if !p.AllowInsecure && !storage.SecureTransport(p.TokenURL) {
		return nil, ErrInsecure
	}
	timeout := timeoutOf(p)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hc, err := c.clientFor(p, secret)
	if err != nil {
		return nil, err
	}
	var body []byte
	ctx = context.WithValue(ctx, captureKey{}, &body)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	if hs := p.TokenHeaders(); len(hs) > 0 {
		ctx = context.WithValue(ctx, headersKey{}, hs)
	}

	cfg := clientcredentials.Config{
		ClientID:       p.ClientID,
		ClientSecret:   secret,
		TokenURL:       p.TokenURL,
		Scopes:         p.Scopes,
		EndpointParams: p.Params,
		AuthStyle:      oauthStyle(p.Style()),
	}
	// The styles that send no secret: x/oauth2 then puts only client_id in
	// the form, and the credential goes as an assertion or a certificate.
	switch p.Style() {
	case storage.AuthPrivateKeyJWT, storage.AuthClientSecretJWT:
		assertion, err := c.assertionParams(p, secret)
		if err != nil {
			return nil, err
		}
		params := url.Values{}
		for k, v := range p.Params {
			params[k] = v
		}
		for k, v := range assertion {
			params[k] = v
		}
		cfg.ClientSecret, cfg.EndpointParams = "", params
	case storage.AuthTLS:
		cfg.ClientSecret = ""
	}
	start := c.Now()
	ot, err := cfg.Token(ctx)
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return nil, fmt.Errorf("no answer from %s within %s", hostOf(p.TokenURL), timeout)
	}
	var re *oauth2.RetrieveError
	if p.Style() == storage.AuthAuto && errors.As(err, &re) {
		// Auto: Basic first (which every server must support), then the
		// form body. When both fail, Basic's answer is the one to show.
		cfg.AuthStyle = oauth2.AuthStyleInParams
		if ot, err = cfg.Token(ctx); err != nil {
			err = re
		}
	}
	if err != nil {
		return nil, describe(ctx, p, secret, timeout, err)
	}
	t := &Token{
		AccessToken: ot.AccessToken,
		TokenType:   ot.TokenType,
		IssuedAt:    start,
		Fingerprint: p.Fingerprint(),
	}
	// clientcredentials drops expires_in and keeps only an Expiry against
	// the wall clock; expires_in is whole seconds, so rounding recovers it.
	// A lifetime of zero or less (a negative expires_in) says nothing
	// usable: shown as "expiry unknown", not as a token already expired.
	if life := time.Until(ot.Expiry).Round(time.Second); !ot.Expiry.IsZero() && life > 0 {
		t.Expiry = start.Add(life)
	}
	if s, ok := ot.Extra("scope").(string); ok {
		t.Scope = s
	}
	t.Extra = extraFields(body)
	return t, nil
}

// timeoutOf bounds p's requests to its server: its own timeout, else
// DefaultTimeout.
func timeoutOf(p storage.Profile) time.Duration {
	if p.TimeoutSeconds > 0 {
		return time.Duration(p.TimeoutSeconds) * time.Second
	}
	return DefaultTimeout
}

// assertionParams are the form fields of a JWT client assertion (RFC 7523
// §2.2) signed with p's private key or client secret.
func (c *Client) assertionParams(p storage.Profile, credential string) (url.Values, error) {
	sign := Assertion
	if p.Style() == storage.AuthClientSecretJWT {
		sign = SecretAssertion
	}
	assertion, err := sign(credential, p.ClientID, p.TokenURL, c.Now())
	if err != nil {
		return nil, err
	}
	return url.Values{"client_assertion_type": {AssertionType}, "client_assertion": {assertion}}, nil
}

func oauthStyle(s storage.AuthStyle) oauth2.AuthStyle {
	switch s {
	case storage.AuthAuto, storage.AuthHeader:
		return oauth2.AuthStyleInHeader // auto: Fetch falls back to the body
	}
	return oauth2.AuthStyleInParams
}

// knownFields are the response fields Token has a place for.
var knownFields = []string{"access_token", "token_type", "expires_in", "scope", "refresh_token"}

func extraFields(body []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	for _, k := range knownFields {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// FetchError is a token request the server refused or answered oddly. Its
// text has what a person can act on and never the client secret.
type FetchError struct {
	// Endpoint names the endpoint that answered; empty means the token
	// endpoint.
	Endpoint string
	// Status is the HTTP status line, e.g. "400 Bad Request".
	Status     string
	StatusCode int
	// Code and Description are the OAuth2 error and error_description.
	Code, Description string
	// Snippet is the start of a body that was not an OAuth2 error, as text.
	Snippet string
	// ContentType is the response's media type.
	ContentType string
	// RetryAfter is the Retry-After header of a 429 or 503, as sent.
	RetryAfter string
}

func (e *FetchError) Error() string {
	var b strings.Builder
	endpoint := e.Endpoint
	if endpoint == "" {
		endpoint = "token endpoint"
	}
	fmt.Fprintf(&b, "the %s answered %s", endpoint, e.Status)
	switch {
	case e.Code != "" && e.Description != "":
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Description)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
	case e.Snippet != "":
		ct := e.ContentType
		if ct == "" {
			ct = "no content type"
		}
		fmt.Fprintf(&b, " (%s): %q", ct, e.Snippet)
	}
	if e.RetryAfter != "" {
		fmt.Fprintf(&b, "; retry after %s", retryAfterText(e.RetryAfter))
	}
	return b.String()
}

func retryAfterText(v string) string {
	if secs, err := time.ParseDuration(strings.TrimSpace(v) + "s"); err == nil {
		return secs.String()
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Local().Format("15:04:05")
	}
	return v
}

// snippetLen is how much of an unexpected body an error shows.
const snippetLen = 200

// describe turns what x/oauth2 and net/http return into an error a person
// can act on.
func describe(ctx context.Context, p storage.Profile, secret string, timeout time.Duration, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		fe := &FetchError{Code: re.ErrorCode, Description: redact(re.ErrorDescription, secret)}
		if re.Response != nil {
			fe.Status = re.Response.Status
			fe.StatusCode = re.Response.StatusCode
			fe.ContentType, _, _ = mime.ParseMediaType(re.Response.Header.Get("Content-Type"))
			if fe.StatusCode == http.StatusTooManyRequests || fe.StatusCode == http.StatusServiceUnavailable {
				fe.RetryAfter = re.Response.Header.Get("Retry-After")
			}
		}
		if fe.Code == "" {
			fe.Snippet = redact(snippet(re.Body), secret)
		}
		fe.Code = redact(fe.Code, secret)
		return fe
	}
	var rd *redirectError
	var tooBig *tooLargeError
	var ue *url.Error
	var ce *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	host := hostOf(p.TokenURL)
	switch {
	case errors.As(err, &rd):
		return rd
	case errors.As(err, &tooBig):
		return tooBig
	case errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled:
		return errors.New("token request cancelled")
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("no answer from %s within %s", host, timeout)
	case errors.As(err, &ce) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci):
		hint := "; for a dev server with its own certificate authority, give the profile a CA file (--ca-file)"
		if p.CAFile != "" {
			hint = "; the profile's CA file " + p.CAFile + " did not vouch for it either"
		}
		return fmt.Errorf("the TLS certificate of %s did not verify: %v%s", host, rootCause(err), hint)
	case connRefused(err):
		return fmt.Errorf("cannot connect to %s: connection refused (is the server running?)", host)
	case errors.As(err, &ue):
		return fmt.Errorf("token request to %s failed: %v", host, redactErr(rootCause(err), secret))
	}
	msg := strings.TrimPrefix(err.Error(), "oauth2: ")
	return fmt.Errorf("token response from %s: %s", host, redact(msg, secret))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		if _, ok := u.(interface{ Unwrap() []error }); ok {
			return u
		}
		err = u
	}
}

func redactErr(err error, secret string) string { return redact(err.Error(), secret) }

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the token endpoint"
	}
	return u.Host
}

// redact removes the secret, and its URL-encoded form, from s.
func redact(s, secret string) string {
	if len(secret) < 4 {
		return s
	}
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// snippet is the start of body as one line of printable text.
func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return '.'
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > snippetLen {
		s = string([]rune(s)[:snippetLen]) + "…"
	}
	return s
}

type captureKey struct{}

// headersKey carries a profile's token-request headers to the transport.
type headersKey struct{}

// tooLargeError is a response over MaxResponse.
type tooLargeError struct{ host string }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the response from %s is larger than %d KiB; stopped reading it", e.host, MaxResponse>>10)
}

// captureTransport reads each response body in full, up to MaxResponse, so
// that a larger body is an error rather than a silently cut token, and keeps
// a copy for the request's context (x/oauth2 does not expose the response's
// other fields, which the window shows).
type captureTransport struct{ base http.RoundTripper }

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if hs, ok := req.Context().Value(headersKey{}).([]storage.Header); ok {
		req = req.Clone(req.Context()) // a RoundTripper must not change its request
		for _, h := range hs {
			req.Header.Set(h.Name, h.Value)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > MaxResponse {
		return nil, &tooLargeError{host: req.URL.Host}
	}
	if dst, ok := req.Context().Value(captureKey{}).(*[]byte); ok {
		*dst = body
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	// x/oauth2 reads text/plain as a form-encoded body; servers (and Go's
	// own content sniffing) label JSON that way too.
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" && looksLikeJSON(body) {
		resp.Header.Set("Content-Type", "application/json")
	}
	return resp, nil
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{' && b[len(b)-1] == '}' && json.Valid(b)
}
