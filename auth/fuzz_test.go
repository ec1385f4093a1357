package auth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

// bodyTransport answers every request with one status and body, in memory.
type bodyTransport struct {
	status int
	ctype  string
	body   []byte
}

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: t.status, Status: http.StatusText(t.status), Header: http.Header{"Content-Type": {t.ctype}},
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: r}, nil
}

// FuzzTokenResponse feeds arbitrary token endpoint answers through the real
// parsing path: it must never panic, never return a token without an access
// token, and never put the secret in an error.
func FuzzTokenResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"access_token":"a","token_type":"bearer","expires_in":3600}`))
	f.Add(200, "application/json", []byte(`{"access_token":"a","expires_in":"3600","project":{"reference":"Project/1"}}`))
	f.Add(400, "application/json", []byte(`{"error":"invalid_request","error_description":"Invalid secret"}`))
	f.Add(200, "text/plain", []byte(`access_token=a&token_type=bearer&expires_in=60`))
	f.Add(502, "text/html", []byte(`<html><body>Bad Gateway</body></html>`))
	f.Add(200, "application/json", []byte(`{"access_token":"a","expires_in":-5}`))
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := NewClient()
		c.http.Transport = bodyTransport{status, ctype, body}
		p := model.Profile{Name: "f", TokenURL: "https://auth.example/token", ClientID: "c", AuthStyle: model.AuthBody}
		tok, err := c.Fetch(context.Background(), p, "fuzz-secret-value")
		if err == nil && (tok == nil || tok.AccessToken == "") {
			t.Fatalf("a token without an access token from %q", body)
		}
		if err != nil && strings.Contains(err.Error(), "fuzz-secret-value") {
			t.Fatalf("the error shows the secret: %v", err)
		}
		if tok != nil && !tok.Expiry.IsZero() && tok.Expiry.Before(tok.IssuedAt) {
			t.Fatalf("expiry %v before issue %v", tok.Expiry, tok.IssuedAt)
		}
	})
}
