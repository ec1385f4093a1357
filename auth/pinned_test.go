package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// A secret field a server echoes, in a form or in JSON, never reaches an
// error, whoever's secret it is.
func TestSecretFieldsRedacted(t *testing.T) {
	const secret = "S3cr3t-value-42"
	for _, name := range []string{"device_code", "id_token", "code", "code_verifier", "subject_token", "actor_token",
		"refresh_token", "access_token", "client_assertion", "assertion", "client_secret", "token"} {
		for _, body := range []string{
			fmt.Sprintf(`{"%s":"%s","user_code":"U"}`, name, secret),
			fmt.Sprintf(`{"error":"x","echo":"{\"%s\": \"%s\"}"}`, name, secret),
			fmt.Sprintf(`grant_type=x&%s=%s&b=1`, name, secret),
		} {
			if got := newRedactor().body([]byte(body)); strings.Contains(got, secret) {
				t.Errorf("%s: got %q; want its value redacted", name, got)
			}
		}
	}
}

// A device authorization answer that is missing a field is quoted in the
// error without the device code.
func TestDeviceAnswerErrorHidesDeviceCode(t *testing.T) {
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"device_code":"DEV-SECRET-CODE-123","user_code":"WDJB"}`)
	})
	p := model.Profile{ID: "d1", Grant: model.GrantDeviceCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: srv.URL + "/token", DeviceURL: srv.URL + "/device"}
	_, err := NewClient().deviceAuthorize(context.Background(), p, "")
	if err == nil || strings.Contains(err.Error(), "DEV-SECRET-CODE-123") || !strings.Contains(err.Error(), redacted) {
		t.Errorf("got %v; want an error without the device code", err)
	}
}

// recorder is a server that notes every request it gets.
type recorder struct {
	*httptest.Server
	got atomic.Int32
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.got.Add(1)
		if h != nil {
			h(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// The refresh token and the client's credential go to the server the
// person signed in at, not to one a changed profile or its metadata names.
func TestSignOutPinned(t *testing.T) {
	tests := []struct {
		name   string
		signed func(as, evil *recorder) model.Profile     // as at the sign-in
		now    func(p *model.Profile, as, evil *recorder) // as at the sign-out
		meta   string                                     // revocation_endpoint on as's metadata: "evil" for evil's
	}{
		{"revocation URL changed after the sign-in", nil, func(p *model.Profile, _, evil *recorder) {
			p.RevocationURL = evil.URL + "/revoke"
		}, ""},
		{"issuer changed after the sign-in", nil, func(p *model.Profile, _, evil *recorder) {
			p.Issuer = evil.URL
		}, ""},
		{"scopes changed after the sign-in", func(as, evil *recorder) model.Profile {
			p := pinnedProfile(as)
			p.RevocationURL = as.URL + "/revoke"
			return p
		}, func(p *model.Profile, _, _ *recorder) { p.Scopes = []string{"other"} }, ""},
		{"revocation URL on another origin", func(as, evil *recorder) model.Profile {
			p := pinnedProfile(as)
			p.RevocationURL = evil.URL + "/revoke"
			return p
		}, nil, ""},
		{"metadata names another origin", nil, nil, "evil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evil := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/.well-known/") {
					fmt.Fprintf(w, `{"issuer":"http://%s","token_endpoint":"http://%[1]s/token","revocation_endpoint":"http://%[1]s/revoke"}`, r.Host)
				}
			})
			var as *recorder
			as = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/.well-known/openid-configuration" && tt.meta == "evil" {
					fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%[1]s/token","revocation_endpoint":"%s/revoke"}`, as.URL, evil.URL)
					return
				}
				http.NotFound(w, r)
			})
			p := pinnedProfile(as)
			if tt.signed != nil {
				p = tt.signed(as, evil)
			}
			m, keys := newTestManager()
			_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-pinned", Fingerprint: p.Fingerprint()})
			_, _ = keys.SetToken(p.ID, model.Token{AccessToken: "at", Fingerprint: p.Fingerprint()})
			if tt.now != nil {
				tt.now(&p, as, evil)
			}
			revoked, err := m.SignOut(context.Background(), p)
			if revoked || !errors.Is(err, ErrNotRevoked) {
				t.Errorf("SignOut: got %v, %v; want not revoked, and why", revoked, err)
			}
			if n := evil.got.Load(); n != 0 {
				t.Errorf("the other server got %d request(s); want none", n)
			}
			if _, err := keys.SignIn(p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Error("the refresh token is still filed after sign-out")
			}
		})
	}
}

func pinnedProfile(as *recorder) model.Profile {
	return model.Profile{ID: "p1", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: as.URL + "/token", AuthorizeURL: as.URL + "/authorize"}
}

// The new access token goes to a userinfo endpoint only on the server's
// own origin.
func TestUserinfoOnAnotherOriginNotAsked(t *testing.T) {
	evil := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"sub":"evil"}`) })
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%[1]s/token","userinfo_endpoint":"%s/userinfo"}`, srv.URL, evil.URL)
		case "/token":
			fmt.Fprint(w, `{"access_token":"at-plain","token_type":"Bearer","expires_in":60}`)
		}
	}))
	defer srv.Close()
	m, _ := newTestManager()
	p := model.Profile{ID: "p1", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: srv.URL + "/token", AuthorizeURL: srv.URL + "/authorize"}
	user, err := m.SignIn(context.Background(), p, SignInOptions{Open: callBack(url.Values{"code": {"c"}})})
	if err != nil || user != (model.User{}) {
		t.Errorf("got %+v, %v; want signed in, user unknown", user, err)
	}
	if n := evil.got.Load(); n != 0 {
		t.Errorf("the other origin's userinfo endpoint got %d request(s); want none", n)
	}
}

// callBack plays a browser that comes back at once with q (the right state
// unless q has one), before Open returns.
func callBack(q url.Values) func(string) error {
	return func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		back := url.Values{"state": {u.Query().Get("state")}}
		for k, v := range q {
			back[k] = v
		}
		resp, err := http.Get(u.Query().Get("redirect_uri") + "?" + back.Encode())
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

func TestDiscoverPinned(t *testing.T) {
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":"http://%s","token_endpoint":"http://%[1]s/token"}`, r.Host)
	})
	tests := []struct {
		name    string
		handler func(base string) http.HandlerFunc
		wantErr string // "" for success
	}{
		{"redirect within the origin", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/meta" {
					fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%[1]s/token"}`, base)
					return
				}
				http.Redirect(w, r, "/meta", http.StatusFound)
			}
		}, ""},
		{"redirect to another origin", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			}
		}, "no server metadata found"},
		{"another issuer", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"issuer":"https://evil.example","token_endpoint":"%s/token"}`, base)
			}
		}, "https://evil.example"},
		{"no issuer", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"token_endpoint":"%s/token"}`, base)
			}
		}, "names \"\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base string
			srv := server(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(base)(w, r) })
			base = srv.URL
			md, err := NewClient().Discover(context.Background(), srv.URL)
			switch {
			case tt.wantErr == "" && (err != nil || md.TokenEndpoint != srv.URL+"/token"):
				t.Errorf("got %+v, %v; want the metadata", md, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %+v, %v; want an error naming %q", md, err, tt.wantErr)
			}
		})
	}
	if n := other.got.Load(); n != 0 {
		t.Errorf("the other origin got %d request(s); want none", n)
	}
}

func TestDiscoverIssuerMismatchNamesBoth(t *testing.T) {
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"issuer":"https://evil.example","token_endpoint":"https://evil.example/token"}`)
	})
	_, err := NewClient().Discover(context.Background(), srv.URL)
	if !errors.Is(err, ErrIssuerDiffers) || !strings.Contains(err.Error(), "https://evil.example") || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("got %v; want ErrIssuerDiffers naming both issuers", err)
	}
}

// Introspection finds the endpoint where sign-out and userinfo do: at the
// issuer (here under a path, as Keycloak's realms are).
func TestIntrospectionEndpointAtIssuer(t *testing.T) {
	var base string
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realms/x/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"issuer":"%s/realms/x","token_endpoint":"%[1]s/realms/x/protocol/openid-connect/token","introspection_endpoint":"%[1]s/realms/x/introspect"}`, base)
	})
	base = srv.URL
	p := model.Profile{Issuer: srv.URL + "/realms/x", TokenURL: srv.URL + "/realms/x/protocol/openid-connect/token", ClientID: "c"}
	got, err := NewClient().IntrospectionEndpoint(context.Background(), p)
	if want := srv.URL + "/realms/x/introspect"; got != want || err != nil {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// A callback with the wrong state (another web page, an old tab) is
// refused and the sign-in waits on for the right one.
func TestWrongStateCallbackIgnored(t *testing.T) {
	l, err := listen(model.Profile{}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var got []int
	for _, q := range []string{"?code=evil&state=forged", "?code=evil", "?error=access_denied", "?code=c&state=st"} {
		resp, err := http.Get(l.redirect + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == http.StatusBadRequest && !strings.Contains(string(body), "state is wrong") {
			t.Errorf("page %q; want it to say the state is wrong", body)
		}
	}
	if fmt.Sprint(got) != "[400 400 400 200]" {
		t.Errorf("statuses %v; want [400 400 400 200]", got)
	}
	if code, err := l.wait(context.Background()); code != "c" || err != nil {
		t.Errorf("wait: %q %v; want the right callback's code", code, err)
	}
}

func TestSignInTimeoutSaysWrongStateCame(t *testing.T) {
	s := newAuthServer(t)
	m, _ := newTestManager()
	_, err := m.SignIn(context.Background(), signInProfile(s), SignInOptions{
		Open:    callBack(url.Values{"code": {"evil"}, "state": {"forged"}}),
		Timeout: 200 * time.Millisecond,
	})
	if !errors.Is(err, ErrStateMismatch) || !strings.Contains(err.Error(), "no sign-in within") {
		t.Errorf("got %v; want the timeout, saying a callback with the wrong state came", err)
	}
}

// A redirect URI naming LOCALHOST is loopback as localhost is: both
// loopback addresses are bound, not what a resolver says of the name.
func TestListenerOnUpperCaseLocalhost(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback here")
	} else {
		ln.Close()
	}
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	l, err := listen(model.Profile{RedirectURI: fmt.Sprintf("http://LOCALHOST:%d/cb", port)}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var addrs []string
	for _, ln := range l.lns {
		addrs = append(addrs, ln.Addr().(*net.TCPAddr).IP.String())
	}
	if fmt.Sprint(addrs) != "[127.0.0.1 ::1]" {
		t.Errorf("bound %v; want [127.0.0.1 ::1]", addrs)
	}
}

// A verification URI that is not https (nor http to this machine) is shown
// escaped and not opened.
func TestDeviceVerificationURIChecked(t *testing.T) {
	defer func(u time.Duration) { pollUnit = u }(pollUnit)
	pollUnit = time.Millisecond
	tests := []struct {
		uri      string
		complete string
		opened   bool
	}{
		{"https://as.example/device", "", true},
		{"http://127.0.0.1:9/device", "", true},
		{"http://as.example/device", "", false},
		{"https://as.example/device", "file:///etc/passwd", false},
		{"javascript:alert(1)", "", false},
		{`https://as.example/\u001b[2Jdevice`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri+" "+tt.complete, func(t *testing.T) {
			srv := server(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/device" {
					fmt.Fprintf(w, `{"device_code":"dc","user_code":"U","verification_uri":"%s","verification_uri_complete":"%s","expires_in":600,"interval":1}`, tt.uri, tt.complete)
					return
				}
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"access_denied"}`)
			})
			m, _ := newTestManager()
			p := model.Profile{ID: "d1", Grant: model.GrantDeviceCode, ClientID: "app", AuthStyle: model.AuthNone,
				TokenURL: srv.URL + "/token", DeviceURL: srv.URL + "/device"}
			var shown Prompt
			opened := false
			_, _ = m.SignIn(context.Background(), p, SignInOptions{
				Open:   func(string) error { opened = true; return nil },
				Prompt: func(pr Prompt) { shown = pr },
			})
			if opened != tt.opened || shown.Opened != tt.opened {
				t.Errorf("opened %v (prompt says %v); want %v", opened, shown.Opened, tt.opened)
			}
			if !tt.opened && !errors.Is(shown.OpenErr, ErrUnsafeVerificationURI) {
				t.Errorf("open error %v; want ErrUnsafeVerificationURI", shown.OpenErr)
			}
			if strings.ContainsRune(shown.URL, '\x1b') || shown.Device == nil || strings.ContainsRune(shown.Device.VerificationURI, '\x1b') {
				t.Errorf("prompt URL %q; want it escaped", shown.URL)
			}
		})
	}
}
