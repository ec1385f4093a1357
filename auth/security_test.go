package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

// loggingProxy is an HTTP proxy on 127.0.0.1 that records what reaches it
// and forwards nothing.
func loggingProxy(t *testing.T) (*url.URL, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	})
	u, _ := url.Parse(srv.URL)
	old := envProxy
	envProxy = http.ProxyURL(u)
	t.Cleanup(func() { envProxy = old })
	return u, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

// What counts as loopback (and so may get a secret over plain http) is
// dialled directly, never through the proxy; other hosts still go through
// it.
func TestLoopbackNeverProxied(t *testing.T) {
	_, seen := loggingProxy(t)
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if _, _, basic := r.BasicAuth(); basic {
			w.WriteHeader(http.StatusUnauthorized) // auto's fallback sends the secret a second time
			return
		}
		fmt.Fprint(w, `{"access_token":"direct","token_type":"bearer","expires_in":60}`)
	})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, host := range []string{"api.localhost", "localhost", "127.0.0.1", "API.Localhost"} {
		t.Run(host, func(t *testing.T) {
			p := model.Profile{Name: "l", TokenURL: "http://" + host + ":" + port + "/oauth2/token", ClientID: "c"}
			tok, err := fetch(t, p)
			if err != nil || tok.AccessToken != "direct" {
				t.Errorf("got %v, %v; want the token, fetched directly", tok, err)
			}
			if got := seen(); len(got) != 0 {
				t.Errorf("the proxy saw %d requests; want none", len(got))
			}
		})
	}
	// The proxy is in use for everything else: the test would notice it.
	p := model.Profile{Name: "r", TokenURL: "http://auth.example.test/oauth2/token", ClientID: "c", AllowInsecure: true}
	if _, err := fetch(t, p); err == nil || len(seen()) == 0 {
		t.Errorf("a remote host: %v, proxy saw %d; want it proxied", err, len(seen()))
	}
}

// redirectTo sends every request to target instead, whatever its URL.
func redirectTo(target string) http.RoundTripper {
	u, _ := url.Parse(target)
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = u.Scheme, u.Host
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The test call follows a redirect within its origin, and reports one to
// another origin without sending it the token or the secret headers.
func TestProbeRedirectToAnotherOrigin(t *testing.T) {
	var stolen atomic.Value
	stolen.Store("")
	other := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		stolen.Store(r.Header.Get("X-Api-Key") + r.Header.Get("Authorization"))
	})
	api := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/here":
			fmt.Fprint(w, `{"ok":true}`)
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/leak":
			http.Redirect(w, r, other.URL+"/steal?access_token=tok-probe", http.StatusFound)
		}
	})
	p := model.Profile{Name: "r", TokenURL: api.URL + "/token", BaseURL: api.URL + "/", ClientID: "c",
		Headers: []model.Header{{Name: "X-Api-Key", Value: "gateway-key-77", Secret: true}}}
	tok := &model.Token{AccessToken: "tok-probe", TokenType: "Bearer"}
	r, err := NewClient().Probe(context.Background(), p, tok, "moved", ProbeAuth{})
	if err != nil || !r.OK() {
		t.Errorf("same origin: %v, %v; want the redirect followed", r, err)
	}
	r, err = NewClient().Probe(context.Background(), p, tok, "away", ProbeAuth{})
	if err != nil || r.Code != http.StatusFound || !strings.Contains(r.Snippet, "redirected to "+other.URL+"/steal") {
		t.Errorf("another origin: %v, %v; want the 302 reported", r, err)
	}
	r, err = NewClient().Probe(context.Background(), p, tok, "leak", ProbeAuth{})
	if err != nil || strings.Contains(r.Snippet, "tok-probe") || !strings.Contains(r.Snippet, redacted) {
		t.Errorf("a redirect target holding the token: got %q, %v; want it reported redacted", r.Snippet, err)
	}
	if got := stolen.Load().(string); got != "" {
		t.Errorf("the other origin received %q; want nothing", got)
	}
}

// Whatever way a server echoes the request back, the credential does not
// reach the error text.
func TestEchoedCredentialRedacted(t *testing.T) {
	const odd = `s"e\cr€t-9` // a quote, a backslash, non-ASCII
	type echo func(r *http.Request, form url.Values) string
	tests := []struct {
		name   string
		style  model.AuthStyle
		secret string
		ctype  string
		echo   echo
	}{
		{"Basic header", model.AuthHeader, authtest.Secret, "text/plain", func(r *http.Request, _ url.Values) string {
			return "rejected Authorization: " + r.Header.Get("Authorization")
		}},
		{"Basic alone", model.AuthHeader, authtest.Secret, "text/plain", func(r *http.Request, _ url.Values) string {
			return "rejected " + strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
		}},
		{"JSON, Go escapes", model.AuthBody, odd, "application/json", func(_ *http.Request, f url.Values) string {
			return fmt.Sprintf(`{"error":"invalid_client","error_description":%q}`, "bad secret "+f.Get("client_secret"))
		}},
		{"JSON, ASCII escapes", model.AuthBody, odd, "application/json", func(_ *http.Request, f url.Values) string {
			return `{"error":"invalid_client","error_description":"bad secret ` + jsonASCII(f.Get("client_secret"), "%04x") + `"}`
		}},
		{"body as sent", model.AuthBody, odd, "text/plain", func(r *http.Request, f url.Values) string {
			return "could not parse " + f.Encode()
		}},
		{"short secret as a field", model.AuthBody, "ab", "text/plain", func(_ *http.Request, f url.Values) string {
			return "bad request: " + f.Encode()
		}},
		{"short secret in JSON", model.AuthBody, "ab", "application/json", func(_ *http.Request, f url.Values) string {
			return `{"error":"invalid_client","error_description":"got {\"client_secret\":\"ab\"} or 'ab'"}`
		}},
		{"client_secret_jwt assertion", model.AuthClientSecretJWT, authtest.Secret, "application/json", func(_ *http.Request, f url.Values) string {
			return `{"error":"invalid_client","error_description":"bad assertion ` + f.Get("client_assertion") + `"}`
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent []string // what the request carried, as the server saw it
			var mu sync.Mutex
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				mu.Lock()
				if a := r.Header.Get("Authorization"); a != "" {
					sent = append(sent, strings.TrimPrefix(a, "Basic "))
				}
				for _, k := range []string{"client_secret", "client_assertion"} {
					if v := r.PostForm.Get(k); v != "" {
						sent = append(sent, v)
					}
				}
				mu.Unlock()
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, tt.echo(r, r.PostForm))
			})
			_, err := NewClient().Fetch(context.Background(), authtest.Profile(srv, tt.style), tt.secret)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, redacted) {
				t.Errorf("error %q; want %s in it", msg, redacted)
			}
			forbidden := append(encodings(tt.secret), sent...)
			for _, f := range forbidden {
				if len(f) < minLen {
					for _, shown := range []string{"=" + f, `"` + f + `"`, `\"` + f + `\"`, "'" + f + "'"} {
						if strings.Contains(msg, shown) {
							t.Errorf("error %q shows %q", msg, shown)
						}
					}
					continue
				}
				if strings.Contains(msg, f) {
					t.Errorf("error %q shows %q", msg, f)
				}
			}
		})
	}
}

// A token server's text with control characters is escaped in errors; a
// token or token type that would break a header is refused, by name.
func TestHostileTokenText(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"token_type", `{"access_token":"abc","token_type":"Bearer\u001b[31m\r\nX-Injected: 1"}`, 200, "token_type"},
		{"access_token", `{"access_token":"abc\r\nX-Injected: 1","token_type":"Bearer"}`, 200, "access_token"},
		{"access_token with a space", `{"access_token":"abc def","token_type":"Bearer"}`, 200, "access_token"},
		{"error_description", `{"error":"invalid\u001b]0;owned\u0007","error_description":"no\u001b[2J\r\nX-Injected: 1"}`, 400, `no\x1b[2J\r\nX-Injected: 1`},
		{"snippet", "\x1b[31mred\x1b[0m", 502, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			tok, err := fetch(t, authtest.Profile(srv, model.AuthBody))
			if err == nil {
				t.Fatalf("got token %v; want it refused", tok)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q; want %q in it", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b\r\n\a") {
				t.Errorf("error %q holds a control character", err)
			}
		})
	}
}

func TestScopeEscaped(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"abc","token_type":"Bearer","scope":"read\u001b[2J"}`)
	})
	tok, err := fetch(t, authtest.Profile(srv, model.AuthBody))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Scope != `read\x1b[2J` {
		t.Errorf("scope %q; want the escape written out", tok.Scope)
	}
}

// One rule for auto's fallback, for the token request and introspection:
// the next way is tried when the server refused the client (400, 401), and
// not after a 429 or a 5xx.
func TestAutoFallbackRule(t *testing.T) {
	tests := []struct {
		status   int
		requests int32
	}{
		{http.StatusBadRequest, 2},
		{http.StatusUnauthorized, 2},
		{http.StatusTooManyRequests, 1},
		{http.StatusInternalServerError, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			var requests atomic.Int32
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", "application/json")
				if _, _, basic := r.BasicAuth(); basic {
					w.WriteHeader(tt.status)
					fmt.Fprint(w, `{"error":"invalid_client"}`)
					return
				}
				if r.URL.Path == "/oauth2/introspect" {
					fmt.Fprint(w, `{"active":true}`)
					return
				}
				fmt.Fprint(w, `{"access_token":"body","token_type":"bearer"}`)
			})
			p := authtest.Profile(srv, model.AuthAuto)
			p.IntrospectionURL = srv.URL + "/oauth2/introspect"
			_, err := fetch(t, p)
			if n := requests.Load(); n != tt.requests || (err == nil) != (tt.requests == 2) {
				t.Errorf("token request: %d requests, %v; want %d", n, err, tt.requests)
			}
			requests.Store(0)
			_, err = NewClient().Introspect(context.Background(), p, authtest.Secret, &model.Token{AccessToken: "x"})
			if n := requests.Load(); n != tt.requests || (err == nil) != (tt.requests == 2) {
				t.Errorf("introspection: %d requests, %v; want %d", n, err, tt.requests)
			}
		})
	}
}

// expires_in in its odd forms: a fraction rounds down; what cannot be
// believed leaves the expiry unknown, with a note saying why.
func TestOddExpiresIn(t *testing.T) {
	tests := []struct {
		field string
		want  time.Duration // 0: unknown
		note  string
	}{
		{`3600.7`, time.Hour, ""},
		{`"3600.7"`, time.Hour, ""},
		{`"soon"`, 0, "not a number"},
		{`1e30`, 0, "over a year"},
		{`9223372036854775807`, 0, "over a year"},
		{`1e400`, 0, "over a year"},
		{`true`, 0, "not a number"},
		{`0.5`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"access_token":"abc","token_type":"bearer","expires_in":%s}`, tt.field)
			})
			tok, err := fetch(t, authtest.Profile(srv, model.AuthBody))
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
			if note := extra(tok.Extra["expires_in"]); !strings.Contains(note, tt.note) || (tt.note == "") != (note == "") {
				t.Errorf("note %q; want %q", note, tt.note)
			}
		})
	}
}

// A base URL of plain http:// to a remote host is refused for the test
// call before anything is sent (format's test checks the copied commands,
// and that a profile can allow it).
func TestBaseURLClearTextRefused(t *testing.T) {
	tok := &model.Token{AccessToken: "tok", TokenType: "Bearer"}
	tests := []struct {
		base, path string
	}{
		{"http://api.example.com/fhir", "Patient"},
		{"https://api.example.com/fhir", "http://api.example.com/x"},
	}
	for _, tt := range tests {
		p := model.Profile{Name: "b", TokenURL: "https://auth.example.com/token", BaseURL: tt.base, ClientID: "c"}
		var hits atomic.Int32
		api := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
		c := NewClient()
		c.http.Transport = redirectTo(api.URL) // the call must not even reach the network
		if _, err := c.Probe(context.Background(), p, tok, tt.path, ProbeAuth{}); !errors.Is(err, model.ErrInsecureBaseURL) || hits.Load() != 0 {
			t.Errorf("Probe(%s, %s): %v, %d calls; want refused before sending", tt.base, tt.path, err, hits.Load())
		}
	}
}
