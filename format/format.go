// Package format renders tokens and the requests that use them as text a
// person copies or reads: the Authorization header, curl, HTTPie and
// PowerShell commands, the token request as curl, decoded claims, and a
// token's state and time left.
package format

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/model"
)

// Header is the whole header line: "Authorization: Bearer <token>".
func Header(t *model.Token) string { return "Authorization: " + auth.HeaderValue(t) }

// request is what a command calling p's API at path with c carries: the
// URL, and the Authorization value, or shell when the command leaves the
// client ID and secret to the shell. p's secret headers must be resolved.
func (c Credential) request(p model.Profile, path string) (u, v string, shell bool, err error) {
	if u, err = auth.RequestURL(p, path); err != nil {
		return "", "", false, err
	}
	if err = p.HeadersResolved(); err != nil {
		return "", "", false, err
	}
	v, shell, err = c.authorization(p)
	return u, v, shell, err
}

// Curl is a curl command, quoted for a POSIX shell, that calls the profile's
// API at path with c.
func Curl(p model.Profile, c Credential, path string) (string, error) {
	u, v, shell, err := c.request(p, path)
	if err != nil {
		return "", err
	}
	q := shellquote.Word
	args := []string{"curl"}
	if shell {
		args = append(args, "-u", `"$CLIENT_ID:$CLIENT_SECRET"`)
	} else {
		args = append(args, "-H", q("Authorization: "+v))
	}
	for _, h := range p.Headers {
		args = append(args, "-H", q(h.Line()))
	}
	return strings.Join(append(args, q(u)), " "), nil
}

// HTTPie is the same request as an HTTPie command line, quoted for a POSIX
// shell.
func HTTPie(p model.Profile, c Credential, path string) (string, error) {
	u, v, shell, err := c.request(p, path)
	if err != nil {
		return "", err
	}
	q := shellquote.Word
	args := []string{"http"}
	if shell {
		args = append(args, "-a", `"$CLIENT_ID:$CLIENT_SECRET"`) // HTTPie's default auth is Basic
	}
	args = append(args, "GET", q(u))
	if !shell {
		args = append(args, q("Authorization:"+v))
	}
	for _, h := range p.Headers {
		args = append(args, q(h.Name+":"+h.Value))
	}
	return strings.Join(args, " "), nil
}

// TokenRequestCurl is the token request itself as a curl command; the
// credential is left to the shell ($CLIENT_SECRET; $CLIENT_CERT and
// $CLIENT_KEY files for tls_client_auth; $CLIENT_ASSERTION for the JWT
// styles), as are secret headers' values ($X_API_KEY for X-Api-Key), so
// the command can be shared.
func TokenRequestCurl(p model.Profile) string {
	q := shellquote.Word
	args := []string{"curl", "-X", "POST", q(p.TokenURL)}
	for _, h := range p.TokenHeaders() {
		if h.Secret { // left to the shell, like the credential
			args = append(args, "-H", q(h.Name+": ")+`"$`+h.EnvName()+`"`)
			continue
		}
		args = append(args, "-H", q(h.Line()))
	}
	// The first way is the one every try makes; auto's fallback is for a
	// server that refuses it.
	args = append(args, auth.CurlClientAuth(p)...)
	switch p.GrantType() {
	case model.GrantAuthorizationCode, model.GrantDeviceCode:
		// The silent renewal, with the refresh token left to the shell.
		return strings.Join(append(args, "-d", "grant_type=refresh_token",
			"--data-urlencode", "refresh_token="+`"$REFRESH_TOKEN"`), " ")
	case model.GrantTokenExchange:
		typ := p.SubjectTokenType
		if typ == "" {
			typ = auth.AccessTokenType
		}
		args = append(args, "-d", "grant_type="+url.QueryEscape(auth.GrantTypeTokenExchange),
			"--data-urlencode", "subject_token="+`"$SUBJECT_TOKEN"`, "--data-urlencode", q("subject_token_type="+typ))
	default:
		args = append(args, "-d", "grant_type=client_credentials")
	}
	if len(p.Scopes) > 0 {
		args = append(args, "--data-urlencode", q("scope="+strings.Join(p.Scopes, " ")))
	}
	keys := make([]string, 0, len(p.Params))
	for k := range p.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range p.Params[k] {
			args = append(args, "--data-urlencode", q(k+"="+v))
		}
	}
	return strings.Join(args, " ")
}

// Claim is one decoded JWT claim, ready to show.
type Claim struct {
	Name  string
	Value string
}

// claimOrder puts the claims people look for first.
var claimOrder = []string{"sub", "client_id", "scope", "iss", "aud", "iat", "nbf", "exp"}

// Claims decodes a JWT access token's claims without verifying it, for
// display. ok is false for opaque tokens (such as Hydra's ory_at_…).
func Claims(token string) (claims []Claim, header map[string]any, ok bool) {
	var mc jwt.MapClaims
	parsed, _, err := jwt.NewParser().ParseUnverified(token, &mc)
	if err != nil {
		return nil, nil, false
	}
	return ordered(mc, claimOrder), parsed.Header, true
}

// ordered lists the fields of m as text, those in first in that order,
// then the rest by name.
func ordered(m map[string]any, first []string) []Claim {
	rank := func(k string) int {
		if i := slices.Index(first, k); i >= 0 {
			return i
		}
		return len(first)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	out := make([]Claim, 0, len(keys))
	for _, k := range keys {
		out = append(out, Claim{Name: k, Value: claimText(k, m[k])})
	}
	return out
}

func claimText(name string, v any) string { return safetext.Escape(claimValue(name, v)) }

func claimValue(name string, v any) string {
	switch name {
	case "exp", "iat", "nbf", "auth_time":
		if f, ok := v.(float64); ok {
			return time.Unix(int64(f), 0).Local().Format("2006-01-02 15:04:05 MST")
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) == 0 {
			return "(none)"
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	case float64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ExtraText renders a response's extra field for display: strings as they
// are, objects as compact JSON, Medplum's {"reference": …} as the reference;
// control characters escaped.
func ExtraText(raw json.RawMessage) string { return safetext.Escape(extraValue(raw)) }

func extraValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ref struct {
		Reference string `json:"reference"`
	}
	if json.Unmarshal(raw, &ref) == nil && ref.Reference != "" {
		return ref.Reference
	}
	return string(raw)
}

// ScopeDiff compares the scope the server granted with the scopes asked
// for. An empty grant says nothing (RFC 6749 §5.1: the same as asked),
// and neither does a grant when nothing was asked for.
func ScopeDiff(requested []string, granted string) (missing, added []string) {
	if strings.TrimSpace(granted) == "" || len(requested) == 0 {
		return nil, nil
	}
	got := strings.Fields(granted)
	for _, s := range requested {
		if !slices.Contains(got, s) {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !slices.Contains(requested, s) {
			added = append(added, s)
		}
	}
	return missing, added
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
	v, err := auth.APIAuthorization(p, c.Token, c.Secret)
	return v, false, err
}

// introspectionOrder is the order an introspection's fields are shown in.
var introspectionOrder = []string{"active", "scope", "client_id", "sub", "exp", "iat", "nbf", "token_type", "username", "aud", "iss", "jti"}

// IntrospectionFields are the fields of an introspection answer as text,
// those people look for first: active, scope, client_id, sub, exp, …
func IntrospectionFields(in *auth.Introspection) []Claim {
	return ordered(in.Claims, introspectionOrder)
}
