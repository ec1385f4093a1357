package auth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
)

// way is one way a client proves who it is on a request to its
// authorization server (RFC 6749 §2.3, RFC 7523, RFC 8705).
type way int

const (
	// viaBasic sends client ID and secret as HTTP Basic (client_secret_basic).
	viaBasic way = iota
	// viaBody sends them as form fields (client_secret_post).
	viaBody
	// viaAssertion sends a signed JWT (private_key_jwt, client_secret_jwt).
	viaAssertion
	// viaCert names the client in the form; the TLS connection carries its
	// certificate (tls_client_auth).
	viaCert
	// viaPublic names a public client in the form; it has no credential
	// (token_endpoint_auth_method none).
	viaPublic
)

// waysOf lists how a client of style authenticates, in the order tried:
// auto tries Basic (which every server must support) and then the body.
func waysOf(s model.AuthStyle) []way {
	switch s {
	case model.AuthHeader:
		return []way{viaBasic}
	case model.AuthBody:
		return []way{viaBody}
	case model.AuthPrivateKeyJWT, model.AuthClientSecretJWT:
		return []way{viaAssertion}
	case model.AuthTLS:
		return []way{viaCert}
	case model.AuthNone:
		return []way{viaPublic}
	}
	return []way{viaBasic, viaBody}
}

// fallsBack is auto's rule for trying the next way: the server refused the
// client (400 or 401, the answers RFC 6749 §5.2 gives invalid_client).
// Anything else, a 429 or a 5xx, is the answer: the next way would be
// refused the same.
func fallsBack(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusUnauthorized
}

// clientAuth is how a profile's client authenticates, with its credential:
// the one description that the token request, introspection, the
// shareable token-request curl and the test call read.
type clientAuth struct {
	style model.AuthStyle
	id    string
	// secret is the client secret of the Basic, body and client_secret_jwt
	// styles.
	secret string
	// key is the PEM private key of tls_client_auth (and private_key_jwt).
	key string
	// assertion is the signed client assertion of the JWT styles.
	assertion string
}

// authOf describes how p's client authenticates with credential (its client
// secret or, for the styles that use one, its PEM private key), signing the
// client assertion where the style needs one.
func (c *Client) authOf(p model.Profile, credential string) (clientAuth, error) {
	a := clientAuth{style: p.Style(), id: p.ClientID}
	switch a.style {
	case model.AuthPrivateKeyJWT:
		a.key = credential
		assertion, err := keys.Assertion(credential, p.ClientID, p.TokenURL, c.Now())
		if err != nil {
			return a, err
		}
		a.assertion = assertion
	case model.AuthClientSecretJWT:
		a.secret = credential
		assertion, err := keys.SecretAssertion(credential, p.ClientID, p.TokenURL, c.Now())
		if err != nil {
			return a, err
		}
		a.assertion = assertion
	case model.AuthTLS:
		if credential == "" {
			return a, errors.New("tls_client_auth needs the client's private key")
		}
		a.key = credential
	default:
		a.secret = credential
	}
	return a, nil
}

// PresentsCert says whether a client of style presents its certificate on
// the TLS connection: to its authorization server and, for
// certificate-bound tokens (RFC 8705 §3), to the API in the test call.
func PresentsCert(s model.AuthStyle) bool { return slices.Contains(waysOf(s), viaCert) }

// ways lists the ways to try, in order.
func (a clientAuth) ways() []way { return waysOf(a.style) }

// apply puts the credential on a request to send it w's way: into h (the
// request's header) or form.
func (a clientAuth) apply(w way, h http.Header, form url.Values) {
	switch w {
	case viaBasic:
		h.Set("Authorization", "Basic "+basic(a.id, a.secret))
	case viaBody:
		form.Set("client_id", a.id)
		form.Set("client_secret", a.secret)
	case viaAssertion:
		form.Set("client_id", a.id)
		form.Set("client_assertion_type", keys.AssertionType)
		form.Set("client_assertion", a.assertion)
	case viaCert, viaPublic:
		form.Set("client_id", a.id)
	}
}

// redactor removes every form in which a request carried the credential
// from what a server may echo back, plus the other secrets given.
func (a clientAuth) redactor(others ...string) *redactor {
	r := newRedactor(append(others, a.secret, a.assertion)...)
	if a.secret != "" {
		r.add(basic(a.id, a.secret))
	}
	return r
}

// basic is the credentials of a Basic header: both form-encoded first
// (RFC 6749 §2.3.1), then base64.
func basic(id, secret string) string {
	req := http.Request{Header: http.Header{}}
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	v := req.Header.Get("Authorization")
	return v[len("Basic "):]
}

// CurlClientAuth are the curl arguments that authenticate p's client on
// the token request the way every try makes it (auto's fallback is for a
// server that refuses it), with the credential left to the shell, so that
// the command can be shared.
func CurlClientAuth(p model.Profile) []string { return waysOf(p.Style())[0].curlArgs(p.ClientID) }

// curlArgs are the curl arguments that authenticate w's way, with the
// credential left to the shell: $CLIENT_SECRET; $CLIENT_CERT and $CLIENT_KEY
// files; $CLIENT_ASSERTION.
func (w way) curlArgs(clientID string) []string {
	q := shellquote.Word
	switch w {
	case viaCert:
		return []string{"--cert", `"$CLIENT_CERT"`, "--key", `"$CLIENT_KEY"`,
			"--data-urlencode", q("client_id=" + clientID)}
	case viaAssertion:
		return []string{"--data-urlencode", q("client_id=" + clientID),
			"-d", "client_assertion_type=" + url.QueryEscape(keys.AssertionType),
			"--data-urlencode", "client_assertion=" + `"$CLIENT_ASSERTION"`}
	case viaBody:
		return []string{"--data-urlencode", q("client_id=" + clientID),
			"--data-urlencode", q("client_secret=") + `"$CLIENT_SECRET"`}
	case viaPublic:
		return []string{"--data-urlencode", q("client_id=" + clientID)}
	}
	return []string{"-u", q(clientID+":") + `"$CLIENT_SECRET"`}
}
