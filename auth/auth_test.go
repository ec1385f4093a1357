package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

func fetch(t *testing.T, p model.Profile) (*model.Token, error) {
	t.Helper()
	return NewClient().Fetch(context.Background(), p, authtest.Secret)
}

func TestAuthStylesOnTheWire(t *testing.T) {
	for _, style := range []model.AuthStyle{model.AuthHeader, model.AuthBody} {
		t.Run(string(style), func(t *testing.T) {
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil {
					t.Error(err)
				}
				id, secret, basic := r.BasicAuth()
				secret, _ = url.QueryUnescape(secret) // RFC 6749 §2.3.1 form-encodes both
				if style == model.AuthHeader {
					if !basic || id != "my-client" || secret != authtest.Secret || r.PostForm.Has("client_secret") {
						t.Errorf("basic: got basic=%v id=%q, client_secret in body=%v", basic, id, r.PostForm.Has("client_secret"))
					}
				} else {
					if basic || r.PostForm.Get("client_id") != "my-client" || r.PostForm.Get("client_secret") != authtest.Secret {
						t.Errorf("post: got basic=%v form=%v", basic, r.PostForm.Has("client_id"))
					}
				}
				if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
					t.Errorf("grant_type %q", g)
				}
				if s := r.PostForm.Get("scope"); s != "openid system/*.read" {
					t.Errorf("scope %q", s)
				}
				if a := r.PostForm.Get("audience"); a != "https://api.example.com" {
					t.Errorf("audience %q", a)
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"access_token":"tok-123","token_type":"bearer","expires_in":3600,"scope":"openid"}`)
			})
			p := authtest.Profile(srv, style)
			p.Params = url.Values{"audience": {"https://api.example.com"}}
			tok, err := fetch(t, p)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "tok-123" || tok.Scope != "openid" || HeaderValue(tok) != "Bearer tok-123" {
				t.Errorf("got %q scope %q header %q", tok.AccessToken, tok.Scope, HeaderValue(tok))
			}
			if life := tok.Expiry.Sub(tok.IssuedAt); life != time.Hour {
				t.Errorf("lifetime %v; want 1h", life)
			}
		})
	}
}

func TestMedplumResponse(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3600,"scope":"openid","id_token":"x.y.z","access_token":"tok","refresh_token":"r",
			"project":{"reference":"Project/123","display":"Demo"},"profile":{"reference":"ClientApplication/456"},
			"smart_style_url":"https://api.medplum.com/fhir/R4/.well-known/smart-styles.json","need_patient_banner":false}`)
	})
	tok, err := fetch(t, authtest.Profile(srv, model.AuthBody))
	if err != nil {
		t.Fatal(err)
	}
	if got := extra(tok.Extra["profile"]); got != "ClientApplication/456" {
		t.Errorf("profile %q", got)
	}
	if got := extra(tok.Extra["project"]); got != "Project/123" {
		t.Errorf("project %q", got)
	}
	for _, k := range []string{"smart_style_url", "need_patient_banner"} {
		if _, ok := tok.Extra[k]; !ok {
			t.Errorf("extra field %s lost", k)
		}
	}
	// The ID token is a secret nothing reads from the cache, and too large
	// for some keychains: it is not cached with the access token.
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		if _, ok := tok.Extra[k]; ok {
			t.Errorf("got %s among the extras; want it not cached there", k)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      map[string]string
		want        []string
	}{
		{"medplum invalid secret", 400, "application/json", `{"error":"invalid_request","error_description":"Invalid secret"}`, nil,
			[]string{"400 Bad Request", "invalid_request: Invalid secret"}},
		{"medplum content type", 400, "text/plain", `Unsupported content type`, nil,
			[]string{"400 Bad Request", "Unsupported content type"}},
		{"generic invalid_client", 401, "application/json", `{"error":"invalid_client"}`, nil,
			[]string{"401 Unauthorized", "invalid_client"}},
		{"html gateway", 502, "text/html", "<html><body>\n<h1>Bad Gateway</h1></body></html>", nil,
			[]string{"502 Bad Gateway", "text/html", "<h1>Bad Gateway</h1>"}},
		{"rate limited", 429, "application/json", `{"error":"slow_down"}`, map[string]string{"Retry-After": "30"},
			[]string{"429", "retry after 30s"}},
		{"no access token", 200, "application/json", `{"token_type":"bearer"}`, nil, []string{"missing access_token"}},
		{"echoes the secret", 400, "text/plain", "bad secret " + authtest.Secret, nil, []string{"[redacted]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			_, err := fetch(t, authtest.Profile(srv, model.AuthBody))
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), authtest.Secret) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestExpiresIn(t *testing.T) {
	tests := map[string]struct {
		field string
		want  time.Duration // 0 means unknown
	}{
		"missing":   {``, 0},
		"string":    {`,"expires_in":"3600"`, time.Hour},
		"zero":      {`,"expires_in":0`, 0},
		"negative":  {`,"expires_in":-30`, 0},
		"huge":      {`,"expires_in":99999999999`, 0}, // over a year: not believed
		"short":     {`,"expires_in":30`, 30 * time.Second},
		"as number": {`,"expires_in":300`, 5 * time.Minute},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"access_token":"ory_at_opaque","token_type":"bearer"%s}`, tt.field)
			})
			tok, err := fetch(t, authtest.Profile(srv, model.AuthHeader))
			if err != nil {
				t.Fatal(err)
			}
			var got time.Duration
			if !tok.Expiry.IsZero() {
				got = tok.Expiry.Sub(tok.IssuedAt)
			}
			if got != tt.want {
				t.Errorf("lifetime %v; want %v", got, tt.want)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	other := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	})
	_, err := fetch(t, authtest.Profile(srv, model.AuthBody))
	if err == nil || !strings.Contains(err.Error(), "redirected") {
		t.Errorf("got %v; want a redirect error", err)
	}
	if hits.Load() != 0 {
		t.Error("the redirect target received the request")
	}
}

func TestInsecureRefused(t *testing.T) {
	p := model.Profile{Name: "x", TokenURL: "http://auth.example.com/token", ClientID: "c"}
	if _, err := NewClient().Fetch(context.Background(), p, authtest.Secret); !errors.Is(err, ErrInsecure) {
		t.Errorf("got %v; want ErrInsecure", err)
	}
}

func TestRequestURL(t *testing.T) {
	p := model.Profile{Name: "p", BaseURL: "https://api.medplum.com/", RequestPath: "auth/me"}
	tests := map[string]string{
		"fhir/R4/Patient":           "https://api.medplum.com/fhir/R4/Patient",
		"/fhir/R4/Patient?name=a b": "https://api.medplum.com/fhir/R4/Patient?name=a%20b",
		"":                          "https://api.medplum.com/auth/me",
		"https://other.example/x?y": "https://other.example/x?y",
	}
	for path, want := range tests {
		got, err := RequestURL(p, path)
		if err != nil || got != want {
			t.Errorf("RequestURL(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	p.BaseURL = "https://example.com/fhir"
	if got, _ := RequestURL(p, "R4/Patient"); got != "https://example.com/fhir/R4/Patient" {
		t.Errorf("base without slash: %q", got)
	}
}

func TestTokenJSONRoundTrip(t *testing.T) {
	// The cache must keep extras as they came.
	tok := model.Token{AccessToken: "a", Extra: map[string]json.RawMessage{"project": json.RawMessage(`{"reference":"Project/1"}`)}}
	b, _ := json.Marshal(tok)
	var back model.Token
	if err := json.Unmarshal(b, &back); err != nil || extra(back.Extra["project"]) != "Project/1" {
		t.Errorf("round trip lost extras: %v %s", err, b)
	}
}

// extra is a response's extra field as text: a JSON string unquoted, a
// Medplum reference as the reference, anything else as sent.
func extra(raw json.RawMessage) string {
	var v struct {
		Reference string `json:"reference"`
	}
	var str string
	switch {
	case json.Unmarshal(raw, &str) == nil:
		return str
	case json.Unmarshal(raw, &v) == nil && v.Reference != "":
		return v.Reference
	}
	return string(raw)
}
