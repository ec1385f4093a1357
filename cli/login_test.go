package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

func TestAddPresetMedplum(t *testing.T) {
	f := newFixture(t)
	if _, stderr, code := f.run("", "add", "me", "--preset", "medplum", "--base-url", "http://localhost:8103"); code != 0 {
		t.Fatalf("add --preset medplum: exit %d: %s", code, stderr)
	}
	file, _ := f.env.Store.Load()
	p, _ := file.ByName("me")
	want := model.Profile{Grant: model.GrantAuthorizationCode, ClientID: "medplum-cli", AuthStyle: model.AuthNone,
		TokenURL: "http://localhost:8103/oauth2/token", AuthorizeURL: "http://localhost:8103/oauth2/authorize", RedirectURI: "http://localhost:9615"}
	got := model.Profile{Grant: p.Grant, ClientID: p.ClientID, AuthStyle: p.AuthStyle, TokenURL: p.TokenURL, AuthorizeURL: p.AuthorizeURL, RedirectURI: p.RedirectURI}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

func TestAddDiscoverFillsEndpoints(t *testing.T) {
	f := newFixture(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%[1]q,"token_endpoint":%[1]q,"authorization_endpoint":"%[1]s/authorize","device_authorization_endpoint":"%[1]s/device",
			"revocation_endpoint":"%[1]s/revoke","grant_types_supported":["authorization_code","refresh_token"],"code_challenge_methods_supported":["plain"]}`, srv.URL)
	}))
	defer srv.Close()
	_, stderr, code := f.run("", "add", "me", "--grant", "authorization_code", "--client-id", "app", "--discover", srv.URL)
	if code != 0 || !strings.Contains(stderr, "S256") {
		t.Fatalf("add --discover: exit %d, stderr %q; want success and a warning about PKCE", code, stderr)
	}
	file, _ := f.env.Store.Load()
	p, _ := file.ByName("me")
	if p.AuthorizeURL != srv.URL+"/authorize" || p.RevocationURL != srv.URL+"/revoke" || p.Issuer != srv.URL || p.DeviceURL != "" || p.Style() != model.AuthNone {
		t.Errorf("profile %+v; want the authorization and revocation endpoints and the issuer filled", p)
	}
	_, stderr, _ = f.run("", "add", "dev", "--grant", "device_code", "--client-id", "app", "--discover", srv.URL)
	if !strings.Contains(stderr, "does not list urn:ietf:params:oauth:grant-type:device_code") {
		t.Errorf("stderr %q; want a warning that the server lists no device grant", stderr)
	}
}

// discover --grant checks the server's metadata against that grant; an
// unknown grant is a usage error.
func TestDiscoverChecksGrant(t *testing.T) {
	f := newFixture(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%[1]q,"token_endpoint":"%[1]s/token","authorization_endpoint":"%[1]s/authorize",
			"grant_types_supported":["authorization_code","client_credentials"],"code_challenge_methods_supported":["plain"]}`, srv.URL)
	}))
	defer srv.Close()
	tests := []struct {
		grant string
		code  int
		warns string // "" for none
	}{
		{"", 0, ""},
		{"client_credentials", 0, ""},
		{"authorization_code", 0, "S256"},
		{"device_code", 0, "device_code"},
		{"password", 2, "--grant"},
	}
	for _, tt := range tests {
		args := []string{"discover", srv.URL}
		if tt.grant != "" {
			args = append(args, "--grant", tt.grant)
		}
		_, stderr, code := f.run("", args...)
		if code != tt.code || (tt.warns == "") != (stderr == "") || !strings.Contains(stderr, tt.warns) {
			t.Errorf("discover --grant %q: exit %d, stderr %q; want exit %d and %q", tt.grant, code, stderr, tt.code, tt.warns)
		}
	}
}

func TestAddSignInGrantNeedsEndpoint(t *testing.T) {
	f := newFixture(t)
	_, stderr, code := f.run("", "add", "me", "--grant", "authorization_code", "--client-id", "app", "--token-url", "https://as.example/token")
	if code != 2 || !strings.Contains(stderr, "--authorize-url") {
		t.Errorf("exit %d, stderr %q; want 2 and the missing --authorize-url", code, stderr)
	}
	_, stderr, code = f.run("", "add", "cc", "--auth-style", "none", "--client-id", "app", "--token-url", "https://as.example/token")
	if code != 2 || !strings.Contains(stderr, "auth style none") {
		t.Errorf("exit %d, stderr %q; want 2: client_credentials needs a client that authenticates", code, stderr)
	}
}

func TestLoginNoBrowserPrintsURL(t *testing.T) {
	f := newFixture(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	f.run("", "add", "me", "--grant", "authorization_code", "--client-id", "app", "--token-url", "https://as.example/token",
		"--authorize-url", "https://as.example/authorize")
	_, stderr, code := f.run("", "login", "me", "--no-browser", "--wait", "1ms")
	if code != 1 || !strings.Contains(stderr, "open this URL in a browser") || !strings.Contains(stderr, "https://as.example/authorize?") ||
		!strings.Contains(stderr, "no sign-in within") {
		t.Errorf("login --no-browser: exit %d, stderr %q; want the URL printed, then the timeout", code, stderr)
	}
	f.run("", "edit", "me", "--redirect-port", fmt.Sprint(port))
	if _, stderr, code = f.run("", "login", "me", "--no-browser"); code != 1 || !strings.Contains(stderr, "in use") {
		t.Errorf("login on a busy port: exit %d, stderr %q; want 1 and the port in use", code, stderr)
	}
	f.env.OpenURL = func(string) error { return errors.New("no display") }
	f.run("", "edit", "me", "--redirect-port", "0")
	if _, stderr, _ = f.run("", "login", "me", "--wait", "1ms"); !strings.Contains(stderr, "could not open a browser (no display)") || !strings.Contains(stderr, "https://as.example/authorize?") {
		t.Errorf("stderr %q; want the browser failure and the URL", stderr)
	}
}

func TestTokenExchangeFromStdin(t *testing.T) {
	f := newFixture(t)
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"exchanged","token_type":"Bearer","expires_in":60}`)
	}))
	defer srv.Close()
	if _, stderr, code := f.run("s3cret\n", "add", "ex", "--grant", "token_exchange", "--client-id", "c", "--token-url", srv.URL, "--param", "audience=api"); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	out, stderr, code := f.run("subject-tok\n", "token", "ex")
	if code != 0 || out != "exchanged\n" {
		t.Fatalf("token: exit %d, out %q, stderr %q", code, out, stderr)
	}
	if got.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" || got.Get("subject_token") != "subject-tok" ||
		got.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:access_token" || got.Get("audience") != "api" {
		t.Errorf("exchange request %v", got)
	}
}

func TestTokenExchangeFromSubjectProfile(t *testing.T) {
	f := newFixture(t)
	f.add("svc")
	var subject string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		subject = r.FormValue("subject_token")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"exchanged","token_type":"Bearer"}`)
	}))
	defer srv.Close()
	if _, stderr, code := f.run("s3cret\n", "add", "ex", "--grant", "token_exchange", "--client-id", "c", "--token-url", srv.URL, "--subject-profile", "svc"); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	if out, stderr, code := f.run("", "token", "ex"); code != 0 || out != "exchanged\n" || subject != "tok-1" {
		t.Errorf("token: exit %d, out %q, stderr %q, subject %q; want svc's token exchanged", code, out, stderr, subject)
	}
	// A rename of the subject keeps the link: it is stored by ID.
	f.run("", "edit", "svc", "--name", "svc2")
	if _, _, code := f.run("", "token", "ex", "--fresh"); code != 0 {
		t.Error("the exchange lost its subject profile after a rename")
	}
}

// logout says what it did: nothing to revoke when no refresh token is on
// file (not "no revocation endpoint"), and a profile that signs nobody in
// has nothing to sign out of.
func TestLogoutSaysWhy(t *testing.T) {
	f := newFixture(t)
	f.run("", "add", "me", "--grant", "authorization_code", "--client-id", "app", "--token-url", "https://as.example/token",
		"--authorize-url", "https://as.example/authorize", "--revocation-url", "https://as.example/revoke")
	if _, stderr, code := f.run("", "logout", "me"); code != 0 || !strings.Contains(stderr, "no refresh token was on file") {
		t.Errorf("logout while signed out: exit %d, stderr %q; want 0 and nothing to revoke", code, stderr)
	}
	f.add("cc")
	if _, stderr, code := f.run("", "logout", "cc"); code != 2 || !strings.Contains(stderr, "needs no sign-in") {
		t.Errorf("logout of a client-credentials profile: exit %d, stderr %q; want 2 and why", code, stderr)
	}
}
