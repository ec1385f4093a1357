package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/tokendesk/tokendesk/model"
)

// APIIdleConns is how many idle connections to one API host an
// APITransport keeps.
const APIIdleConns = 128

// ErrNoCredential says a call to a profile's API was asked for without
// what it authenticates with: the client secret for Basic, else a token.
var ErrNoCredential = errors.New("nothing to authenticate the API call with")

// APIAuthorization is the Authorization header's value on a call to p's
// API: HTTP Basic with p's client ID and secret when p's API calls use
// Basic auth (storage.Profile.BasicAPI), else t. It is the one place that
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

// Credential is what a call to a profile's API authenticates with: the
// token, or for a profile whose API calls use Basic auth the client
// secret. A copied command given no secret for such a profile leaves the
// client ID and secret to the shell ($CLIENT_ID, $CLIENT_SECRET), so that
// it can be shared.
type Credential struct {
	Token  *model.Token
	Secret string
}

// authorization is the Authorization value a command carries; shell is
// true when the command leaves the client ID and secret to the shell.
func (c Credential) authorization(p model.Profile) (value string, shell bool, err error) {
	if p.BasicAPI() && c.Secret == "" {
		return "", true, nil
	}
	v, err := APIAuthorization(p, c.Token, c.Secret)
	return v, false, err
}

// SetAPIHeaders puts on h what a request to p's API carries: p's extra
// headers (p as storage.Keychain.Resolve returned it) and the
// Authorization APIAuthorization gives for t and secret, replacing any
// Authorization h held.
func SetAPIHeaders(h http.Header, p model.Profile, t *model.Token, secret string) error {
	if err := resolved(p); err != nil {
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
