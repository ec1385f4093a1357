// Package auth talks to authorization servers and keeps nothing: token
// requests for every grant (the browser's loopback redirect and the device
// flow included), one description of how a client authenticates, one
// redactor for what goes wrong, discovery, introspection, revocation,
// userinfo and the test call. Token state lives in package session; the
// text people copy in package format.
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

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

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
var ErrInsecure = model.ErrInsecureURL

// Client fetches tokens. The zero value is not usable; call NewClient.
type Client struct {
	http *http.Client
	// Now is the clock expiries are computed against.
	Now func() time.Time
	// PollUnit is the second of RFC 8628's polling intervals (the device
	// flow's); zero means a second, tests shorten it.
	PollUnit time.Duration

	mu   *sync.Mutex
	byCA map[string]*http.Client // clients trusting a profile's CA file
}

// NewClient returns a Client with one http.Client for all requests: proxy
// from the environment (never for loopback), TLS verification on, and no
// redirects followed (a token endpoint that redirects must not receive the
// client secret a second time, at another host); answers are read up to
// MaxResponse.
func NewClient() *Client {
	return &Client{http: newclientFor(nil, nil), Now: time.Now, PollUnit: time.Second, mu: &sync.Mutex{}, byCA: map[string]*http.Client{}}
}

func newclientFor(roots *x509.CertPool, cert *tls.Certificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = proxy
	tr.DialContext = dial(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	if roots != nil || cert != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return &redirectError{to: req.URL.Redacted()}
		},
	}
}

// envProxy is the proxy the environment names (HTTPS_PROXY, NO_PROXY…).
var envProxy = http.ProxyFromEnvironment

// proxy is envProxy for every host but loopback: what model.Loopback
// calls loopback, and so lets a secret reach over plain http, is dialled
// directly, never handed to a proxy (Go's own rule spares only the name
// localhost and loopback IPs, not api.localhost).
func proxy(req *http.Request) (*url.URL, error) {
	if model.Loopback(req.URL.Hostname()) {
		return nil, nil
	}
	return envProxy(req)
}

// dial dials a name under localhost on the loopback address itself (RFC
// 6761 §6.3), rather than trusting a resolver to keep it on this machine.
func dial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || net.ParseIP(host) != nil || !model.Loopback(host) {
			return d.DialContext(ctx, network, addr)
		}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			if c6, err6 := d.DialContext(ctx, network, net.JoinHostPort("::1", port)); err6 == nil {
				return c6, nil
			}
		}
		return conn, err
	}
}

// clientFor returns the HTTP client for p: the shared one, or one that also
// trusts p's CA file and, for tls_client_auth, presents p's certificate
// with key (the PEM private key from the keychain; empty: no certificate).
func (c *Client) clientFor(p model.Profile, key string) (*http.Client, error) {
	mtls := PresentsCert(p.Style()) && key != ""
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
	hc := newclientFor(roots, cert)
	c.byCA[cacheKey] = hc
	return hc, nil
}

// redirectError is a redirect from an endpoint that was sent a credential.
type redirectError struct{ to, what string }

func (e *redirectError) Error() string {
	what := e.what
	if what == "" {
		what = tokenEndpoint
	}
	return fmt.Sprintf("the %s redirected to %s; Token Desk does not follow redirects with a client's credential: use the final URL instead", what, e.to)
}

// Fetch runs the client-credentials request for p with its credential:
// the client secret, or for private_key_jwt and tls_client_auth the PEM
// private key.
func (c *Client) Fetch(ctx context.Context, p model.Profile, secret string) (*model.Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(p.Scopes) > 0 {
		form.Set("scope", strings.Join(p.Scopes, " "))
	}
	is, err := c.request(ctx, p, secret, form, true)
	if err != nil {
		return nil, err
	}
	return is.Token, nil
}

// Issued is what a token request gave: the access token and, from the
// grants a person signs in to, the refresh and ID tokens.
type Issued struct {
	Token *model.Token
	// Refresh is the refresh token; empty when the server gave none.
	Refresh string
	// RefreshExpiry is the refresh token's own expiry, when given.
	RefreshExpiry time.Time
	// IDToken is the OpenID Connect ID token, when given.
	IDToken string
}

// request posts form to p's token endpoint as p's client (with p's extra
// parameters if params) and reads the token response. others are secrets
// in the form besides the client's credential (a code, a refresh or
// subject token), kept out of every error.
func (c *Client) request(ctx context.Context, p model.Profile, credential string, form url.Values, params bool, others ...string) (*Issued, error) {
	if !p.AllowInsecure && !model.SecureTransport(p.TokenURL) {
		return nil, ErrInsecure
	}
	a, err := c.authOf(p, credential)
	if err != nil {
		return nil, err
	}
	if params {
		for k, v := range p.Params {
			// grant_type may be overridden, for servers that want their own.
			if _, ok := form[k]; ok && k != "grant_type" {
				return nil, fmt.Errorf("the extra parameter %q would overwrite the request's own", k)
			}
			form[k] = v
		}
	}
	red := a.redactor(append(secretValues(p), others...)...)
	start := c.Now()
	ans, err := c.post(ctx, p, tokenEndpoint, p.TokenURL, a, form)
	if err != nil {
		return nil, red.err(err)
	}
	if !ans.ok() {
		return nil, ans.fetchError("", red)
	}
	t, err := parseToken(ans, hostOf(p.TokenURL))
	if err != nil {
		return nil, red.err(err)
	}
	t.IssuedAt, t.Fingerprint = start, p.Fingerprint()
	if t.life > 0 {
		t.Expiry = start.Add(t.life)
	}
	is := &Issued{Token: &t.Token, Refresh: t.refresh, IDToken: t.idToken}
	if t.refreshLife > 0 {
		is.RefreshExpiry = start.Add(t.refreshLife)
	}
	return is, nil
}

// tokenEndpoint names the token endpoint in errors.
const tokenEndpoint = "token endpoint"

// timeoutOf bounds p's requests to its server: its own timeout, else
// DefaultTimeout.
func timeoutOf(p model.Profile) time.Duration {
	if p.TimeoutSeconds > 0 {
		return time.Duration(p.TimeoutSeconds) * time.Second
	}
	return DefaultTimeout
}

// answer is an endpoint's reply, its body read in full.
type answer struct {
	resp *http.Response
	body []byte
}

func (a *answer) ok() bool { return a.resp.StatusCode >= 200 && a.resp.StatusCode < 300 }

// post sends form to endpoint (what names it in errors) as a's client: a's
// ways in turn while the server refuses the client (fallsBack). When every
// way is refused, the first refusal is the answer.
func (c *Client) post(ctx context.Context, p model.Profile, what, endpoint string, a clientAuth, form url.Values) (*answer, error) {
	timeout := timeoutOf(p)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc, err := c.clientFor(p, a.key)
	if err != nil {
		return nil, err
	}
	var first *answer
	for _, w := range a.ways() {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		h := http.Header{}
		a.apply(w, h, f)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(f.Encode()))
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, endpoint, err)
		}
		for _, th := range p.TokenHeaders() {
			req.Header.Set(th.Name, th.Value)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		for k, v := range h {
			req.Header[k] = v
		}
		ans, err := read(hc, req)
		if err != nil {
			return nil, describe(ctx, p, what, endpoint, timeout, err)
		}
		if first == nil {
			first = ans
		}
		if ans.ok() {
			return ans, nil
		}
		if !fallsBack(ans.resp.StatusCode) {
			break
		}
	}
	return first, nil
}

// read sends req and reads the answer, up to MaxResponse: a larger body is
// an error rather than a silently cut token.
func read(hc *http.Client, req *http.Request) (*answer, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(body) > MaxResponse {
		return nil, &tooLargeError{host: req.URL.Host}
	}
	return &answer{resp: resp, body: body}, nil
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
	fmt.Fprintf(&b, "the %s answered %s", endpoint, safetext.Escape(e.Status))
	switch {
	case e.Code != "" && e.Description != "":
		fmt.Fprintf(&b, ": %s: %s", safetext.Escape(e.Code), safetext.Escape(e.Description))
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", safetext.Escape(e.Code))
	case e.Snippet != "":
		ct := e.ContentType
		if ct == "" {
			ct = "no content type"
		}
		fmt.Fprintf(&b, " (%s): %q", ct, e.Snippet)
	}
	if e.RetryAfter != "" {
		fmt.Fprintf(&b, "; retry after %s", safetext.Escape(retryAfterText(e.RetryAfter)))
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

// fetchError is a non-success answer as a FetchError; endpoint names the
// endpoint, empty for the token endpoint. What the server sent is shown
// without the secrets red knows and with control characters escaped.
func (a *answer) fetchError(endpoint string, red *redactor) *FetchError {
	resp := a.resp
	fe := &FetchError{Endpoint: endpoint, Status: resp.Status, StatusCode: resp.StatusCode}
	fe.ContentType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if fe.StatusCode == http.StatusTooManyRequests || fe.StatusCode == http.StatusServiceUnavailable {
		fe.RetryAfter = resp.Header.Get("Retry-After")
	}
	var oe struct {
		Code        string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(a.body, &oe) != nil && (fe.ContentType == "application/x-www-form-urlencoded" || fe.ContentType == "text/plain") {
		if v, err := url.ParseQuery(string(a.body)); err == nil {
			oe.Code, oe.Description = v.Get("error"), v.Get("error_description")
		}
	}
	if oe.Code != "" {
		fe.Code, fe.Description = red.shown(oe.Code), red.shown(oe.Description)
	} else {
		fe.Snippet = red.body(a.body)
	}
	return fe
}

// describe turns what net/http returns into an error a person can act on;
// what names the endpoint.
func describe(ctx context.Context, p model.Profile, what, endpoint string, timeout time.Duration, err error) error {
	var rd *redirectError
	var tooBig *tooLargeError
	var ue *url.Error
	var ce *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	host := hostOf(endpoint)
	switch {
	case errors.As(err, &rd):
		return &redirectError{to: rd.to, what: what}
	case errors.As(err, &tooBig):
		return tooBig
	case errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled:
		return errors.New(strings.TrimSuffix(what, " endpoint") + " request cancelled")
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
		return fmt.Errorf("%s request to %s failed: %v", strings.TrimSuffix(what, " endpoint"), host, rootCause(err))
	}
	return fmt.Errorf("answer from %s: %w", host, err)
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

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the token endpoint"
	}
	return u.Host
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

// tooLargeError is a response over MaxResponse.
type tooLargeError struct{ host string }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the response from %s is larger than %d KiB; stopped reading it", e.host, MaxResponse>>10)
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{' && b[len(b)-1] == '}' && json.Valid(b)
}

// secretValues are p's secret header values, as resolved.
func secretValues(p model.Profile) []string {
	var vs []string
	for _, h := range p.Headers {
		if h.Secret && h.Value != "" {
			vs = append(vs, h.Value)
		}
	}
	return vs
}
