package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
)

// signInServer is an authorization server for the window's sign-in: its
// authorization page sends the browser straight back with a code, its
// device endpoint hands out a code that is never approved, and a refresh
// token it did not issue is refused (invalid_grant).
type signInServer struct {
	*httptest.Server
	mu      sync.Mutex
	codes   map[string]bool
	n       int
	devices atomic.Int32 // device codes handed out
}

func newSignInServer(t *testing.T) *signInServer {
	t.Helper()
	s := &signInServer{codes: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *signInServer) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch r.URL.Path {
	case "/authorize":
		q := r.URL.Query()
		s.n++
		code := fmt.Sprintf("code-%d", s.n)
		s.codes[code] = true
		back := url.Values{"code": {code}, "state": {q.Get("state")}}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	case "/device":
		s.devices.Add(1)
		reply(http.StatusOK, map[string]any{"device_code": "dc-secret", "user_code": "WDJB-MJHT",
			"verification_uri": s.URL + "/activate", "expires_in": 600, "interval": 5})
	case "/token":
		switch r.PostForm.Get("grant_type") {
		case "authorization_code":
			if !s.codes[r.PostForm.Get("code")] {
				reply(http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
				return
			}
			delete(s.codes, r.PostForm.Get("code"))
			claims, _ := json.Marshal(map[string]any{"sub": "u1", "name": "Alice Example"})
			reply(http.StatusOK, map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
				"refresh_token": "rt-1", "refresh_expires_in": 86400, "id_token": "e30." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"})
		case "urn:ietf:params:oauth:grant-type:device_code":
			reply(http.StatusBadRequest, map[string]string{"error": "authorization_pending"})
		default:
			reply(http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		}
	default:
		http.NotFound(w, r)
	}
}

// browser plays the system browser: it follows the authorization URL, and
// so the server's redirect to the window's loopback callback. It returns
// the URLs it was asked to open.
func (h *harness) browser(follow bool) *[]string {
	var mu sync.Mutex
	var opened []string
	h.u.opts.OpenURL = func(u string) error {
		mu.Lock()
		opened = append(opened, u)
		mu.Unlock()
		if follow {
			go func() {
				if resp, err := http.Get(u); err == nil {
					resp.Body.Close()
				}
			}()
		}
		return nil
	}
	return &opened
}

func signInProf(s *signInServer, id, name string, g model.Grant) model.Profile {
	return model.Profile{ID: id, Name: name, Env: "local", Grant: g, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: s.URL + "/token", AuthorizeURL: s.URL + "/authorize", DeviceURL: s.URL + "/device",
		Scopes: []string{"openid", "offline_access"}}
}

// shownName is the name a profile's row shows.
func (h *harness) shownName(name string) string {
	for _, r := range h.u.rows {
		if r.profile.Name == name {
			return r.name.Text
		}
	}
	return ""
}

// loadSession reads a profile's cached token and sign-in, as Preload does.
func (h *harness) loadSession(p model.Profile) {
	h.u.session(p).Load()
	h.u.list.Refresh()
	h.u.detail.show(h.u.current())
}

// TestFormShowsGrantFields: the form shows the fields the chosen grant
// needs, and hides the secret for a public client.
func TestFormShowsGrantFields(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	g := f.grants
	fields := map[string][]fyne.CanvasObject{
		"authorize": g.authorizeRow, "redirect": g.redirectRow, "device": g.deviceRow,
		"subject": g.subjectRow, "subject type": g.subjectTypeRow, "revocation": g.signInRows,
	}
	for _, tt := range []struct {
		grant model.Grant
		shown []string
	}{
		{model.GrantClientCredentials, nil},
		{model.GrantAuthorizationCode, []string{"authorize", "redirect", "revocation"}},
		{model.GrantDeviceCode, []string{"device", "revocation"}},
		{model.GrantTokenExchange, []string{"subject", "subject type"}},
	} {
		g.grant.SetSelected(grantChoice(tt.grant))
		for name, row := range fields {
			want := slices.Contains(tt.shown, name)
			for _, o := range row {
				if o.Visible() != want {
					t.Errorf("%s: %s field shown %v; want %v", tt.grant, name, o.Visible(), want)
				}
			}
		}
	}
	for _, tt := range []struct {
		style  model.AuthStyle
		secret bool
	}{{model.AuthNone, false}, {model.AuthAuto, true}} {
		f.style.SetSelected(styleChoice(tt.style))
		if got := f.secret.Visible(); got != tt.secret {
			t.Errorf("auth style %s: secret entry shown %v; want %v", tt.style, got, tt.secret)
		}
	}
}

// TestFormSavesGrant: a token exchange profile saved from the form takes
// its subject token from the profile picked, whatever another grant's
// hidden fields hold; a device_code one needs its device URL.
func TestFormSavesGrant(t *testing.T) {
	srv := newSignInServer(t)
	h := newHarness(t, prof("s1", "upstream", "local", srv.URL+"/token"))
	h.u.onAdd()
	f := h.u.form
	f.name.SetText("downstream")
	f.tokenURL.SetText(srv.URL + "/token")
	f.clientID.SetText("app")
	f.style.SetSelected(styleChoice(model.AuthNone))
	f.grants.grant.SetSelected(grantChoice(model.GrantDeviceCode))
	test.Tap(f.save)
	if got := f.grants.deviceURL.msg.Text; got != model.ErrDeviceURLRequired.Error() {
		t.Fatalf("device_code without a device URL: message %q; want %q", got, model.ErrDeviceURLRequired)
	}
	f.grants.grant.SetSelected(grantChoice(model.GrantAuthorizationCode))
	f.grants.authorizeURL.SetText("not a URL") // left behind in a field the next grant hides
	f.grants.grant.SetSelected(grantChoice(model.GrantTokenExchange))
	f.grants.subject.SetSelected("upstream")
	test.Tap(f.save)
	h.until("the form to close", func() bool { return h.u.form == nil })
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := file.ByName("downstream")
	if err != nil {
		t.Fatal(err)
	}
	if p.GrantType() != model.GrantTokenExchange || p.SubjectProfile != "s1" || p.DeviceURL != "" || p.AuthorizeURL != "" {
		t.Errorf("saved grant %s, subject %q, device URL %q, authorization URL %q; want token_exchange, s1, none, none", p.GrantType(), p.SubjectProfile, p.DeviceURL, p.AuthorizeURL)
	}
}

// TestMedplumSignInPreset: the preset signs a person in at Medplum with
// PKCE as the Medplum CLI's public client, and asks for its exact
// redirect URI.
func TestMedplumSignInPreset(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.preset.SetSelected("Medplum sign-in (a person, in the browser)")
	g := f.grants
	got := []string{string(g.chosen()), g.authorizeURL.Text, f.tokenURL.Text, g.redirectURI.Text, f.clientID.Text, string(model.AuthStyles[f.style.SelectedIndex()])}
	want := []string{"authorization_code", "https://api.medplum.com/oauth2/authorize", "https://api.medplum.com/oauth2/token", "http://localhost:9615", "medplum-cli", "none"}
	if !slices.Equal(got, want) {
		t.Errorf("Medplum sign-in preset: %q; want %q", got, want)
	}
	if !g.redirectRow[1].Visible() || f.secret.Visible() {
		t.Errorf("redirect URI shown %v, secret shown %v; want true, false", g.redirectRow[1].Visible(), f.secret.Visible())
	}
	f.preset.SetSelected("Medplum cloud")
	if g.chosen() != model.GrantClientCredentials || model.AuthStyles[f.style.SelectedIndex()] == model.AuthNone {
		t.Errorf("back to Medplum cloud: grant %s, style %s; want client_credentials with a credential", g.chosen(), model.AuthStyles[f.style.SelectedIndex()])
	}
}

// TestDiscoverOffersListedGrants: discovery fills the sign-in endpoints
// and offers only the grants the server lists.
func TestDiscoverOffersListedGrants(t *testing.T) {
	h := newHarness(t)
	h.u.opts.Discover = func(string) (*auth.Metadata, error) {
		return &auth.Metadata{Source: "test", TokenEndpoint: "https://as.example/token", AuthorizationEndpoint: "https://as.example/authorize",
			DeviceEndpoint: "https://as.example/device", RevocationEndpoint: "https://as.example/revoke", Issuer: "https://as.example",
			GrantTypes: []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"}}, nil
	}
	h.u.onAdd()
	f := h.u.form
	f.baseURL.SetText("https://as.example/")
	test.Tap(f.discover)
	h.until("discovery", func() bool { return !f.discover.Disabled() })
	want := grantChoices([]model.Grant{model.GrantAuthorizationCode, model.GrantDeviceCode})
	if !slices.Equal(f.grants.grant.Options, want) {
		t.Errorf("grants offered %q; want %q", f.grants.grant.Options, want)
	}
	g := f.grants
	got := []string{string(g.chosen()), g.authorizeURL.Text, g.deviceURL.Text, g.revocationURL.Text, g.issuer.Text}
	wantFields := []string{"authorization_code", "https://as.example/authorize", "https://as.example/device", "https://as.example/revoke", "https://as.example"}
	if !slices.Equal(got, wantFields) {
		t.Errorf("after discovery: %q; want %q", got, wantFields)
	}
}

// TestSignInBrowser: Sign in opens the browser at the server, which comes
// back to the window's loopback callback; the row and the pane then show
// the countdown and who signed in, and idle ticks redraw nothing. Sign
// out makes the profile need a sign-in again.
func TestSignInBrowser(t *testing.T) {
	srv := newSignInServer(t)
	p := signInProf(srv, "p1", "me", model.GrantAuthorizationCode)
	h := newHarness(t, p)
	opened := h.browser(true)
	h.selectName("me")
	h.loadSession(p)
	d := h.u.detail
	if !d.signInBtn.Visible() || d.fetchBtn.Visible() || h.rowText("me") != "sign-in needed" {
		t.Fatalf("before signing in: Sign in shown %v, Get token shown %v, row %q; want true, false, sign-in needed",
			d.signInBtn.Visible(), d.fetchBtn.Visible(), h.rowText("me"))
	}
	d.signInBtn.MouseIn(&desktop.MouseEvent{}) // its tip shows
	test.Tap(d.signInBtn)
	h.until("the sign-in", func() bool { return h.u.signin == nil })
	if h.u.tip.Visible() {
		t.Errorf("the hidden Sign in button's tip %q stays in the status bar", h.u.tip.Text)
	}
	if len(*opened) != 1 || !strings.HasPrefix((*opened)[0], srv.URL+"/authorize?") {
		t.Errorf("opened %q; want the authorization URL", *opened)
	}
	h.drain()
	checks := []struct{ what, got, want string }{
		{"row state", h.rowText("me"), "valid 1 h 00 min"},
		{"row name", h.shownName("me"), "me  · Alice Example"},
		{"pane state", d.state.Text, "valid 1 h 00 min"},
		{"pane who", d.who.Text, "Signed in as Alice Example · refresh token valid until 2026-11-29 12:00:00 UTC"},
		{"status", h.u.status.Text, "Signed in to me as Alice Example"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q; want %q", c.what, c.got, c.want)
		}
	}
	if d.signInBtn.Visible() || !d.fetchBtn.Visible() || !d.signOutBtn.Visible() || !d.progress.Visible() {
		t.Errorf("signed in: Sign in %v, Get token %v, Sign out %v, progress %v; want false, true, true, true",
			d.signInBtn.Visible(), d.fetchBtn.Visible(), d.signOutBtn.Visible(), d.progress.Visible())
	}

	h.now = h.now.Add(time.Second)
	h.u.Tick()
	var n atomic.Int32
	fyne.SetCurrentApp(refreshCounter{h.app, &n})
	for range 3 {
		h.now = h.now.Add(time.Second)
		h.u.Tick()
	}
	fyne.SetCurrentApp(h.app)
	if got := n.Load(); got != 0 {
		t.Errorf("three idle ticks, signed in, asked for %d redraws; want none", got)
	}

	test.Tap(d.signOutBtn)
	h.until("the sign-out", func() bool { return strings.HasPrefix(h.u.status.Text, "Signed out") })
	if !d.signInBtn.Visible() || d.signOutBtn.Visible() || h.rowText("me") != "sign-in needed" || h.shownName("me") != "me" {
		t.Errorf("signed out: Sign in %v, Sign out %v, row %q %q; want true, false, sign-in needed, me",
			d.signInBtn.Visible(), d.signOutBtn.Visible(), h.shownName("me"), h.rowText("me"))
	}
}

// TestSignInCancel: Cancel ends a sign-in that waits for the browser; the
// profile still needs a sign-in, and a new one can start.
func TestSignInCancel(t *testing.T) {
	srv := newSignInServer(t)
	p := signInProf(srv, "p1", "me", model.GrantAuthorizationCode)
	h := newHarness(t, p)
	h.browser(false)
	h.selectName("me")
	h.loadSession(p)
	d := h.u.detail
	test.Tap(d.signInBtn)
	s := h.u.signin
	h.until("the browser prompt", func() bool { return s.link.Visible() })
	if !d.signBox.Visible() || !d.signInBtn.Disabled() || !strings.Contains(s.msg.Text, "The browser is open") || d.state.Text != "signing in…" {
		t.Fatalf("waiting: view shown %v, Sign in disabled %v, message %q, state %q", d.signBox.Visible(), d.signInBtn.Disabled(), s.msg.Text, d.state.Text)
	}
	test.Tap(findButton(t, s.box, "Cancel sign-in"))
	h.until("the sign-in to end", func() bool { return h.u.signin == nil })
	if got, want := h.u.status.Text, "Sign-in to me cancelled"; got != want {
		t.Errorf("status %q; want %q", got, want)
	}
	if d.signBox.Visible() || d.signInBtn.Disabled() || h.rowText("me") != "sign-in needed" {
		t.Errorf("after cancel: view shown %v, Sign in disabled %v, row %q; want false, false, sign-in needed",
			d.signBox.Visible(), d.signInBtn.Disabled(), h.rowText("me"))
	}
	if h.win.Canvas().Overlays().Top() != nil {
		t.Error("a cancelled sign-in showed a dialog; want only the status line")
	}
}

// TestDeviceCodeView: a device_code sign-in shows the user code large,
// the verification URL as a link, and copies the code.
func TestDeviceCodeView(t *testing.T) {
	srv := newSignInServer(t)
	p := signInProf(srv, "p1", "tv", model.GrantDeviceCode)
	h := newHarness(t, p)
	opened := h.browser(false)
	h.selectName("tv")
	h.loadSession(p)
	test.Tap(h.u.detail.signInBtn)
	s := h.u.signin
	h.until("the device code", func() bool { return s.code.Visible() })
	got := []string{s.code.Text, s.link.Text, s.link.URL.String()}
	want := []string{"WDJB-MJHT", srv.URL + "/activate", srv.URL + "/activate"}
	if !slices.Equal(got, want) {
		t.Errorf("device view: %q; want %q", got, want)
	}
	if s.code.TextSize < 2*theme.TextSize() {
		t.Errorf("user code size %v; want large", s.code.TextSize)
	}
	if len(*opened) != 1 || (*opened)[0] != srv.URL+"/activate" {
		t.Errorf("opened %q; want the verification URI", *opened)
	}
	test.Tap(findButton(t, s.box, "Copy code"))
	if got := h.app.Clipboard().Content(); got != "WDJB-MJHT" {
		t.Errorf("clipboard %q; want the user code", got)
	}
	test.Tap(findButton(t, s.box, "Cancel sign-in"))
	h.until("the sign-in to end", func() bool { return h.u.signin == nil })
}

// TestSignInNeededAfterRefreshFails: a refresh the server refuses leaves
// the profile needing a sign-in: the row says so, and the pane's primary
// action (Enter too) is Sign in.
func TestSignInNeededAfterRefreshFails(t *testing.T) {
	srv := newSignInServer(t)
	p := signInProf(srv, "p1", "me", model.GrantAuthorizationCode)
	h := newHarness(t, p)
	if err := h.keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-revoked", Fingerprint: p.Fingerprint(), User: model.User{Name: "Bob"}}); err != nil {
		t.Fatal(err)
	}
	opened := h.browser(false)
	h.selectName("me")
	h.loadSession(p)
	d := h.u.detail
	if d.signInBtn.Visible() || !d.fetchBtn.Visible() || h.shownName("me") != "me  · Bob" {
		t.Fatalf("signed in on file: Sign in %v, Get token %v, row %q; want false, true, me  · Bob", d.signInBtn.Visible(), d.fetchBtn.Visible(), h.shownName("me"))
	}
	test.Tap(d.fetchBtn)
	h.until("the refused refresh", func() bool { return h.rowText("me") == "sign-in needed" })
	h.drain()
	if !d.signInBtn.Visible() || d.fetchBtn.Visible() || d.signInBtn.Importance != widget.HighImportance || d.state.Text != "sign-in needed" {
		t.Errorf("after the refused refresh: Sign in %v (importance %v), Get token %v, state %q; want the primary Sign in, sign-in needed",
			d.signInBtn.Visible(), d.signInBtn.Importance, d.fetchBtn.Visible(), d.state.Text)
	}
	h.u.onFetch() // Enter in the list
	s := h.u.signin
	if s == nil {
		t.Fatal("Get token (Enter) on a profile that needs a sign-in started none")
	}
	h.until("the browser prompt", func() bool { return s.link.Visible() })
	if len(*opened) != 1 {
		t.Errorf("opened %q; want the authorization URL", *opened)
	}
	s.cancel()
	h.until("the sign-in to end", func() bool { return h.u.signin == nil })
}

// findButton finds the button labelled text under o.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == text {
				found = v
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}
