package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// The refresh token and the client's credential go to the server the
// person signed in at, not to one a changed profile or its metadata names.
func TestSignOutPinned(t *testing.T) {
	tests := []struct {
		name   string
		signed func(as, evil *authtest.Recorder) model.Profile     // as at the sign-in
		now    func(p *model.Profile, as, evil *authtest.Recorder) // as at the sign-out
		meta   string                                              // revocation_endpoint on as's metadata: "evil" for evil's
	}{
		{"revocation URL changed after the sign-in", nil, func(p *model.Profile, _, evil *authtest.Recorder) {
			p.RevocationURL = evil.URL + "/revoke"
		}, ""},
		{"issuer changed after the sign-in", nil, func(p *model.Profile, _, evil *authtest.Recorder) {
			p.Issuer = evil.URL
		}, ""},
		{"scopes changed after the sign-in", func(as, evil *authtest.Recorder) model.Profile {
			p := authtest.PinnedProfile(as)
			p.RevocationURL = as.URL + "/revoke"
			return p
		}, func(p *model.Profile, _, _ *authtest.Recorder) { p.Scopes = []string{"other"} }, ""},
		{"revocation URL on another origin", func(as, evil *authtest.Recorder) model.Profile {
			p := authtest.PinnedProfile(as)
			p.RevocationURL = evil.URL + "/revoke"
			return p
		}, nil, ""},
		{"metadata names another origin", nil, nil, "evil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evil := authtest.NewRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/.well-known/") {
					fmt.Fprintf(w, `{"issuer":"http://%s","token_endpoint":"http://%[1]s/token","revocation_endpoint":"http://%[1]s/revoke"}`, r.Host)
				}
			})
			var as *authtest.Recorder
			as = authtest.NewRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/.well-known/openid-configuration" && tt.meta == "evil" {
					fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%[1]s/token","revocation_endpoint":"%s/revoke"}`, as.URL, evil.URL)
					return
				}
				http.NotFound(w, r)
			})
			p := authtest.PinnedProfile(as)
			if tt.signed != nil {
				p = tt.signed(as, evil)
			}
			m, keys := newTestManager()
			_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-pinned", Fingerprint: p.Fingerprint()})
			_, _ = keys.SetToken(p.ID, model.Token{AccessToken: "at", Fingerprint: p.Fingerprint()})
			if tt.now != nil {
				tt.now(&p, as, evil)
			}
			done, err := m.SignOut(context.Background(), p)
			if done == Revoked || !errors.Is(err, ErrNotRevoked) {
				t.Errorf("SignOut: got %v, %v; want not revoked, and why", done, err)
			}
			if n := evil.Got.Load(); n != 0 {
				t.Errorf("the other server got %d request(s); want none", n)
			}
			if _, err := keys.SignIn(p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Error("the refresh token is still filed after sign-out")
			}
		})
	}
}

// The new access token goes to a userinfo endpoint only on the server's
// own origin.
func TestUserinfoOnAnotherOriginNotAsked(t *testing.T) {
	evil := authtest.NewRecorder(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"sub":"evil"}`) })
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
	user, err := m.SignIn(context.Background(), p, auth.SignInOptions{Open: authtest.CallBack(url.Values{"code": {"c"}})})
	if err != nil || user != (model.User{}) {
		t.Errorf("got %+v, %v; want signed in, user unknown", user, err)
	}
	if n := evil.Got.Load(); n != 0 {
		t.Errorf("the other origin's userinfo endpoint got %d request(s); want none", n)
	}
}

func TestSignInTimeoutSaysWrongStateCame(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, _ := newTestManager()
	_, err := m.SignIn(context.Background(), authtest.SignInProfile(s), auth.SignInOptions{
		Open:    authtest.CallBack(url.Values{"code": {"evil"}, "state": {"forged"}}),
		Timeout: 200 * time.Millisecond,
	})
	if !errors.Is(err, auth.ErrStateMismatch) || !strings.Contains(err.Error(), "no sign-in within") {
		t.Errorf("got %v; want the timeout, saying a callback with the wrong state came", err)
	}
}

// A verification URI that is not https (nor http to this machine) is shown
// escaped and not opened.
func TestDeviceVerificationURIChecked(t *testing.T) {
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
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
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
			var shown auth.Prompt
			opened := false
			_, _ = m.SignIn(context.Background(), p, auth.SignInOptions{
				Open:   func(string) error { opened = true; return nil },
				Prompt: func(pr auth.Prompt) { shown = pr },
			})
			if opened != tt.opened || shown.Opened != tt.opened {
				t.Errorf("opened %v (prompt says %v); want %v", opened, shown.Opened, tt.opened)
			}
			if !tt.opened && !errors.Is(shown.OpenErr, auth.ErrUnsafeVerificationURI) {
				t.Errorf("open error %v; want ErrUnsafeVerificationURI", shown.OpenErr)
			}
			if strings.ContainsRune(shown.URL, '\x1b') || shown.Device == nil || strings.ContainsRune(shown.Device.VerificationURI, '\x1b') {
				t.Errorf("prompt URL %q; want it escaped", shown.URL)
			}
		})
	}
}
