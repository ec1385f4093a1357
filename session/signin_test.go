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

func TestSignInWithPKCEThenRefresh(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, keys := newTestManager()
	p := authtest.SignInProfile(s)
	user, err := m.SignIn(context.Background(), p, auth.SignInOptions{Open: s.Authorize(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if user.Name != "Alice Example" {
		t.Errorf("user %q; want Alice Example", user)
	}
	si, err := keys.SignIn(p.ID)
	if err != nil || si.RefreshToken != "rt-2-Zq9" {
		t.Fatalf("sign-in in the keychain: %v %v; want refresh token rt-2-Zq9", si, err)
	}
	tok, err := m.Session(p).Token(context.Background(), false)
	if err != nil || tok.AccessToken != "at-2" {
		t.Fatalf("token after sign-in: %v %v; want at-2 without a request", tok, err)
	}
	// A forced fetch refreshes and rotates the refresh token.
	tok, err = m.Session(p).Token(context.Background(), true)
	if err != nil || tok.AccessToken != "at-3" {
		t.Fatalf("refresh: %v %v; want at-3", tok, err)
	}
	if si, _ := keys.SignIn(p.ID); si.RefreshToken != "rt-3-Zq9" {
		t.Errorf("refresh token after rotation %q; want rt-3-Zq9", si.RefreshToken)
	}
	if st := m.Session(p).Status(time.Now()); !st.SignedIn || st.User.Name != "Alice Example" {
		t.Errorf("status: signed in %v as %q; want Alice Example", st.SignedIn, st.User)
	}
	// Forgetting the access token keeps the sign-in.
	m.Session(p).Forget()
	if st := m.Session(p).Status(time.Now()); !st.SignedIn || st.State == StateSignIn {
		t.Errorf("after Forget: signed in %v, state %v; want still signed in", st.SignedIn, st.State)
	}
}

func TestSignInCallbackProblems(t *testing.T) {
	tests := []struct {
		name   string
		issuer string
		back   func(q url.Values, code string) url.Values
		want   error
	}{
		{"access denied", "", func(q url.Values, _ string) url.Values {
			return url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}
		}, auth.ErrAccessDenied},
		{"other issuer", "https://as.example", func(q url.Values, code string) url.Values {
			return url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {"https://evil.example"}}
		}, auth.ErrIssuerMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := authtest.NewAuthServer(t)
			m, keys := newTestManager()
			p := authtest.SignInProfile(s)
			p.Issuer = tt.issuer
			_, err := m.SignIn(context.Background(), p, auth.SignInOptions{Open: s.Authorize(t, tt.back)})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v; want %v", err, tt.want)
			}
			if _, err := keys.SignIn(p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("a failed sign-in left a sign-in: %v", err)
			}
		})
	}
}

func TestSignInTimesOut(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, _ := newTestManager()
	var shown auth.Prompt
	_, err := m.SignIn(context.Background(), authtest.SignInProfile(s), auth.SignInOptions{
		Open:    func(string) error { return errors.New("no display") },
		Prompt:  func(p auth.Prompt) { shown = p },
		Timeout: time.Millisecond,
	})
	if err == nil || !strings.Contains(err.Error(), "no sign-in within") {
		t.Errorf("got %v; want no sign-in within the timeout", err)
	}
	if shown.Opened || shown.OpenErr == nil || !strings.Contains(shown.URL, "code_challenge_method=S256") {
		t.Errorf("prompt %+v; want the URL (with PKCE) and why no browser opened", shown)
	}
}

func TestRefreshRefusedNeedsSignIn(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, keys := newTestManager()
	p := authtest.SignInProfile(s)
	_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "revoked", Fingerprint: p.Fingerprint()})
	_, err := m.Session(p).Token(context.Background(), false)
	if !errors.Is(err, ErrSignInNeeded) {
		t.Fatalf("got %v; want ErrSignInNeeded", err)
	}
	if st := m.Session(p).Status(time.Now()); st.State != StateSignIn {
		t.Errorf("state %v; want sign-in needed", st.State)
	}
	if _, err := keys.SignIn(p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the refused refresh token is still filed: %v", err)
	}
}

func TestNoRefreshTokenNeedsSignInAtExpiry(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, keys := newTestManager()
	p := authtest.SignInProfile(s)
	_ = keys.SetSignIn(p.ID, model.SignIn{Fingerprint: p.Fingerprint()})
	if _, err := m.Session(p).Token(context.Background(), false); !errors.Is(err, ErrSignInNeeded) {
		t.Errorf("got %v; want ErrSignInNeeded", err)
	}
}

// Another process rotated the refresh token meanwhile: its new access
// token, in the shared keychain, is used rather than a sign-in demanded.
func TestRefreshRotatedByAnotherProcess(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, keys := newTestManager()
	p := authtest.SignInProfile(s)
	_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "old", Fingerprint: p.Fingerprint()})
	s.OnRefresh = func(w http.ResponseWriter, rt string) bool {
		if rt != "old" {
			return false
		}
		// The other process won the race.
		_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "new", Fingerprint: p.Fingerprint()})
		_, _ = keys.SetToken(p.ID, model.Token{AccessToken: "theirs", Expiry: time.Now().Add(time.Hour), Fingerprint: p.Fingerprint()})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant"}`)
		return true
	}
	tok, err := m.Session(p).Token(context.Background(), true)
	if err != nil || tok.AccessToken != "theirs" {
		t.Fatalf("got %v %v; want the other process's token", tok, err)
	}
	if si, _ := keys.SignIn(p.ID); si.RefreshToken != "new" {
		t.Errorf("refresh token %q; want the other process's", si.RefreshToken)
	}
}

func TestRefreshKeepsTokenWhenNotRotated(t *testing.T) {
	s := authtest.NewAuthServer(t)
	s.NoRotate = true
	s.Refresh["kept"] = true
	m, keys := newTestManager()
	p := authtest.SignInProfile(s)
	_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "kept", Fingerprint: p.Fingerprint()})
	if _, err := m.Session(p).Token(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if si, _ := keys.SignIn(p.ID); si.RefreshToken != "kept" {
		t.Errorf("refresh token %q; want it kept when the server sends none", si.RefreshToken)
	}
}

func TestSignOutRevokes(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = r.PostForm
	}))
	defer srv.Close()
	m, keys := newTestManager()
	p := model.Profile{ID: "p1", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: srv.URL + "/token", RevocationURL: srv.URL + "/revoke"}
	_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-x", Fingerprint: p.Fingerprint()})
	_, _ = keys.SetToken(p.ID, model.Token{AccessToken: "at", Fingerprint: p.Fingerprint()})
	done, err := m.SignOut(context.Background(), p)
	if done != Revoked || err != nil {
		t.Fatalf("SignOut: %v %v; want revoked", done, err)
	}
	if got.Get("token") != "rt-x" || got.Get("token_type_hint") != "refresh_token" || got.Get("client_id") != "app" {
		t.Errorf("revocation request %v; want the refresh token, its hint and the client", got)
	}
	if _, err := keys.Token(p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Error("the access token is still cached after sign-out")
	}
	if _, err := keys.SignIn(p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Error("the refresh token is still filed after sign-out")
	}
}

func TestDeviceFlow(t *testing.T) {
	tests := []struct {
		name    string
		answers []string // the token endpoint's errors before the outcome
		final   string   // "" issues a token
		want    error
	}{
		{"approved", []string{"authorization_pending", "slow_down", "authorization_pending"}, "", nil},
		{"expired", []string{"authorization_pending"}, "expired_token", auth.ErrDeviceExpired},
		{"denied", nil, "access_denied", auth.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			polls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/device" {
					fmt.Fprint(w, `{"device_code":"dc-secret-1","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","verification_uri_complete":"https://as.example/device?user_code=WDJB-MJHT","expires_in":600,"interval":1}`)
					return
				}
				if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" || r.PostForm.Get("device_code") != "dc-secret-1" {
					w.WriteHeader(400)
					fmt.Fprint(w, `{"error":"invalid_request"}`)
					return
				}
				polls++
				if polls <= len(tt.answers) {
					w.WriteHeader(400)
					fmt.Fprintf(w, `{"error":%q}`, tt.answers[polls-1])
					return
				}
				if tt.final != "" {
					w.WriteHeader(400)
					fmt.Fprintf(w, `{"error":%q}`, tt.final)
					return
				}
				fmt.Fprint(w, `{"access_token":"at-dev","token_type":"Bearer","expires_in":60,"refresh_token":"rt-dev"}`)
			}))
			defer srv.Close()
			m, keys := newTestManager()
			p := model.Profile{ID: "d1", Name: "dev", Grant: model.GrantDeviceCode, ClientID: "app", AuthStyle: model.AuthNone,
				TokenURL: srv.URL + "/token", DeviceURL: srv.URL + "/device"}
			var shown auth.Prompt
			var opened string
			_, err := m.SignIn(context.Background(), p, auth.SignInOptions{
				Open:   func(u string) error { opened = u; return nil },
				Prompt: func(pr auth.Prompt) { shown = pr },
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v; want %v", err, tt.want)
			}
			if shown.Device == nil || shown.Device.UserCode != "WDJB-MJHT" || opened != "https://as.example/device?user_code=WDJB-MJHT" {
				t.Errorf("prompt %+v, opened %q; want the user code and the complete URI opened", shown, opened)
			}
			if tt.want == nil {
				if si, _ := keys.SignIn(p.ID); si.RefreshToken != "rt-dev" {
					t.Errorf("refresh token %q; want rt-dev", si.RefreshToken)
				}
				if polls != len(tt.answers)+1 {
					t.Errorf("polls %d; want %d", polls, len(tt.answers)+1)
				}
			}
		})
	}
}

func TestTokenExchangeFromSubjectProfile(t *testing.T) {
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") == "client_credentials" {
			fmt.Fprint(w, `{"access_token":"subject-at","token_type":"Bearer","expires_in":3600}`)
			return
		}
		got = r.PostForm
		user, pass, _ := r.BasicAuth()
		if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" || user != "exchanger" || pass != "ex-secret" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"exchanged-at","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":60}`)
	}))
	defer srv.Close()
	m, keys := newTestManager()
	subject := model.Profile{ID: "s1", Name: "svc", ClientID: "svc", TokenURL: srv.URL}
	ex := model.Profile{ID: "e1", Name: "ex", ClientID: "exchanger", AuthStyle: model.AuthHeader, TokenURL: srv.URL,
		Grant: model.GrantTokenExchange, SubjectProfile: "s1", Params: url.Values{"audience": {"https://api.example"}}}
	_ = keys.SetClientSecret("s1", "svc-secret")
	_ = keys.SetClientSecret("e1", "ex-secret")
	m.Profiles = func(id string) (model.Profile, error) {
		if id == "s1" {
			return subject, nil
		}
		return model.Profile{}, storage.ErrNotFound
	}
	tok, err := m.Session(ex).Token(context.Background(), false)
	if err != nil || tok.AccessToken != "exchanged-at" {
		t.Fatalf("got %v %v; want exchanged-at", tok, err)
	}
	want := map[string]string{"subject_token": "subject-at", "subject_token_type": auth.AccessTokenType, "audience": "https://api.example"}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q; want %q", k, got.Get(k), v)
		}
	}
}

func TestTokenExchangeFromSubjectGiven(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("subject_token") != "given" || r.PostForm.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"subject_token=given expected"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"ok-at","token_type":"Bearer"}`)
	}))
	defer srv.Close()
	m, keys := newTestManager()
	p := model.Profile{ID: "e1", Name: "ex", ClientID: "c", TokenURL: srv.URL, Grant: model.GrantTokenExchange,
		SubjectTokenType: "urn:ietf:params:oauth:token-type:jwt"}
	_ = keys.SetClientSecret("e1", "sec")
	m.Subject = func(model.Profile) (string, error) { return "given", nil }
	if tok, err := m.Session(p).Token(context.Background(), false); err != nil || tok.AccessToken != "ok-at" {
		t.Fatalf("got %v %v; want ok-at", tok, err)
	}
}

// Without an ID token, who signed in comes from the userinfo endpoint the
// server's metadata lists.
func TestSignInUserFromUserinfo(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%[1]q,"token_endpoint":"%[1]s/token","userinfo_endpoint":"%[1]s/userinfo"}`, srv.URL)
		case "/userinfo":
			if r.Header.Get("Authorization") != "Bearer at-plain" {
				w.WriteHeader(401)
				return
			}
			fmt.Fprint(w, `{"sub":"u9","email":"bob@example.com"}`)
		case "/token":
			fmt.Fprint(w, `{"access_token":"at-plain","token_type":"Bearer","expires_in":60}`)
		}
	}))
	defer srv.Close()
	m, _ := newTestManager()
	p := model.Profile{ID: "p1", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: srv.URL + "/token", AuthorizeURL: srv.URL + "/authorize"}
	open := func(raw string) error {
		u, _ := url.Parse(raw)
		q := u.Query()
		go func() {
			if resp, err := http.Get(q.Get("redirect_uri") + "?code=c&state=" + url.QueryEscape(q.Get("state"))); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	user, err := m.SignIn(context.Background(), p, auth.SignInOptions{Open: open})
	if err != nil || user.Email != "bob@example.com" || user.String() != "bob@example.com" {
		t.Errorf("got %q (%+v) %v; want bob@example.com from userinfo", user, user, err)
	}
}

// A face cancels a sign-in under way (the window's Cancel) through its
// context.
func TestSignInCancelled(t *testing.T) {
	s := authtest.NewAuthServer(t)
	m, _ := newTestManager()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := m.SignIn(ctx, authtest.SignInProfile(s), auth.SignInOptions{Prompt: func(auth.Prompt) { cancel() }})
	if !errors.Is(err, ErrSignInCancelled) {
		t.Errorf("got %v; want ErrSignInCancelled", err)
	}
}

// newTestManager is a Manager over an in-memory keychain whose device
// flow polls in milliseconds rather than seconds.
func newTestManager() (*Manager, *storage.Keychain) {
	keys := storage.NewKeychain(&storage.MemoryStore{})
	c := auth.NewClient()
	c.PollUnit = time.Millisecond
	return NewManager(keys, c), keys
}

// A profile whose sign-in is gone (refused by the server, or signed out in
// another process) and whose token has expired says sign-in needed as soon
// as it is loaded, not "expired" until someone asks for a token.
func TestExpiredWithoutSignInNeedsSignIn(t *testing.T) {
	s := authtest.NewAuthServer(t)
	p := authtest.SignInProfile(s)
	now := time.Now()
	tests := []struct {
		name     string
		signedIn bool
		expiry   time.Time
		want     State
	}{
		{"expired, no sign-in", false, now.Add(-time.Minute), StateSignIn},
		{"expired, signed in", true, now.Add(-time.Minute), StateExpired},
		{"valid, no sign-in", false, now.Add(time.Hour), StateValid},
	}
	for _, tt := range tests {
		m, keys := newTestManager()
		if tt.signedIn {
			_ = keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt", Fingerprint: p.Fingerprint()})
		}
		_, _ = keys.SetToken(p.ID, model.Token{AccessToken: "at", TokenType: "Bearer", IssuedAt: now.Add(-2 * time.Hour), Expiry: tt.expiry, Fingerprint: p.Fingerprint()})
		sess := m.Session(p)
		sess.Load()
		if got := sess.Status(now).State; got != tt.want {
			t.Errorf("%s: state %v; want %v", tt.name, got, tt.want)
		}
	}
}
