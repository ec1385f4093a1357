package ui

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// A tls_client_auth profile made in the form: a key in the keychain, a
// self-signed certificate in the profile, and the headers as typed.
func TestMutualTLSProfileFromForm(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.name.SetText("mtls")
	f.tokenURL.SetText("https://as.example.com/token")
	f.clientID.SetText("svc")
	f.style.SetSelectedIndex(5)
	if f.style.Selected != "tls_client_auth (client certificate, also self-signed)" {
		t.Fatalf("style %q", f.style.Selected)
	}
	f.headers.add(model.Header{Name: "X-Medplum", Value: "extended"})
	r := f.headers.add(model.Header{})
	r.name.SetText("X-Tenant")
	r.value.SetText("t1")
	r.token.SetChecked(true)
	f.headers.add(model.Header{}) // left empty: skipped
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })

	file, _ := h.store.Load()
	p, err := file.ByName("mtls")
	if err != nil {
		t.Fatal(err)
	}
	key, err := h.keys.PrivateKey(p.ID)
	if err != nil || model.CheckCertificate(p.ClientCert) != nil {
		t.Fatalf("key %v, certificate %q", err, p.ClientCert)
	}
	if _, _, err := keys.SettleKeyPair(&p, key, "", h.now); err != nil {
		t.Errorf("the certificate does not go with the stored key: %v", err)
	}
	want := []model.Header{{Name: "X-Medplum", Value: "extended"}, {Name: "X-Tenant", Value: "t1", TokenRequest: true}}
	if fmt.Sprint(p.Headers) != fmt.Sprint(want) {
		t.Errorf("headers %v; want %v", p.Headers, want)
	}
	h.selectName("mtls")
	settings := formText(h.u.detail.settings)
	for _, s := range []string{"Client certificate=CN=svc, self-signed", "Headers=X-Medplum: extended\nX-Tenant: t1  (token request too)", "Client secret=none: the client certificate's private key"} {
		if !strings.Contains(settings, s) {
			t.Errorf("settings lack %q:\n%s", s, settings)
		}
	}
	if m := h.copyMenuLabels(); !strings.Contains(m, "Copy public JWKS") || !strings.Contains(m, "Copy token request") {
		t.Errorf("copy menu %s; want both Copy public JWKS and Copy token request", m)
	}

	// Editing keeps the certificate and the headers; a bad header is said.
	h.u.onEdit()
	f = h.u.form
	if len(f.headers.list) != 2 || f.headers.list[1].name.Text != "X-Tenant" || !f.headers.list[1].token.Checked {
		t.Fatalf("edit form headers: %d", len(f.headers.list))
	}
	f.headers.list[0].name.SetText("Authorization")
	test.Tap(f.save)
	if !strings.Contains(f.says(), "set by Token Desk") {
		t.Errorf("problem %q", f.says())
	}
	f.headers.list[0].name.SetText("X-Medplum")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	file, _ = h.store.Load()
	if q, _ := file.ByName("mtls"); q.ClientCert != p.ClientCert {
		t.Error("editing changed the certificate")
	}
}

// Discovery offers the server's scopes as ticks beside the free text, and
// fills the introspection endpoint.
func TestDiscoverOffersScopes(t *testing.T) {
	h := newHarness(t)
	h.u.opts.Discover = func(base string) (*auth.Metadata, error) {
		return &auth.Metadata{TokenEndpoint: "https://as.example.com/token", Source: base, IntrospectionEndpoint: "https://as.example.com/introspect",
			Scopes: []string{"api:read", "api:write", "openid"}}, nil
	}
	h.u.onAdd()
	f := h.u.form
	f.baseURL.SetText("https://as.example.com/")
	f.scopes.SetText("custom api:read")
	if f.scopePick.Visible() {
		t.Error("scope ticks before discovery")
	}
	test.Tap(f.discover)
	h.until("the discovery", func() bool { return f.tokenURL.Text != "" })
	if !f.scopePick.Visible() || fmt.Sprint(f.scopePick.Selected) != "[api:read]" || len(f.scopePick.Options) != 3 {
		t.Fatalf("ticks: visible %v, selected %v", f.scopePick.Visible(), f.scopePick.Selected)
	}
	f.scopePick.SetSelected([]string{"api:write", "api:read"})
	if f.scopes.Text != "custom api:read api:write" {
		t.Errorf("scopes %q", f.scopes.Text)
	}
	if f.introspectionURL.Text != "https://as.example.com/introspect" {
		t.Errorf("introspection URL %q", f.introspectionURL.Text)
	}
}

// Inspect asks the introspection endpoint and shows what it said; a scope
// other than the one asked for stands out in the token view.
func TestInspectAndGrantedScope(t *testing.T) {
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/token":
			fmt.Fprint(w, `{"access_token":"opaque-1","token_type":"bearer","expires_in":600,"scope":"openid"}`)
		case "/introspect":
			if id, secret, _ := r.BasicAuth(); id != "client-prod" || secret != "secret-prod" || r.FormValue("token") != "opaque-1" {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
				return
			}
			fmt.Fprintf(w, `{"active":true,"client_id":"client-prod","scope":"openid","exp":%d}`, epoch.Unix()+600)
		}
	})
	p := prof("p1", "prod", "prod", srv.URL+"/token")
	p.Scopes = []string{"openid", "system/*.read"}
	p.IntrospectionURL = srv.URL + "/introspect"
	h := newHarness(t, p)
	h.selectName("prod")
	test.Tap(h.u.detail.inspectBtn)
	h.until("the introspection", func() bool { return h.u.inspected != nil })
	got := formText(h.u.inspected)
	for _, s := range []string{"endpoint=" + srv.URL + "/introspect", "active=true", "client_id=client-prod", "(10:00 left)"} {
		if !strings.Contains(got, s) {
			t.Errorf("introspection lacks %q:\n%s", s, got)
		}
	}
	if h.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no dialog shown")
	}
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape did not close the dialog")
	}
	var scope *widget.Label
	for _, it := range h.u.detail.token.Items {
		if it.Text == "Scope granted" {
			scope = it.Widget.(*widget.Label)
		}
	}
	if scope == nil || !strings.Contains(scope.Text, "not granted: system/*.read") || scope.Importance != widget.WarningImportance {
		t.Errorf("scope row: %+v", scope)
	}
}

func TestCopyCurlForPowerShell(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "prod", "prod", srv.URL+"/token"))
	h.selectName("prod")
	h.u.onCopy(copyCurlPowerShell)
	want := "curl.exe -H 'Authorization: Bearer tok-1' 'https://api.example.com/fhir/R4/Patient'"
	h.until("the clipboard", func() bool { return h.app.Clipboard().Content() == want })
}

type deadKeychain struct{}

func (deadKeychain) Get(string) (string, error) { return "", storage.ErrKeychainUnavailable }
func (deadKeychain) Set(string, string) error   { return storage.ErrKeychainUnavailable }
func (deadKeychain) Delete(string) error        { return storage.ErrKeychainUnavailable }

// Without a keychain the settings do not claim the secret is simply in it.
func TestSecretRowWithoutKeychain(t *testing.T) {
	h := newHarness(t, prof("p1", "prod", "prod", "https://as.example.com/token"))
	m := session.NewManager(storage.NewKeychain(deadKeychain{}), auth.NewClient())
	m.OnChange = h.u.OnSessionChange
	h.u.opts.Sessions = m
	h.u.Preload()
	h.until("the keychain read", func() bool { return !m.Session(h.u.file.Profiles[0]).Status(h.now).Loading })
	h.drain()
	h.selectName("prod")
	if got := formText(h.u.detail.settings); !strings.Contains(got, "Client secret=in the keychain — which cannot be read now: no keychain is available") {
		t.Errorf("settings:\n%s", got)
	}
}

// A secret header made in the form: its value goes to the keychain, not
// the profiles file; the pane masks it; Copy curl carries it; editing
// shows a blank value that keeps it.
func TestSecretHeaderFromForm(t *testing.T) {
	const key = "api-key-value-3d4e"
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.name.SetText("gw")
	f.tokenURL.SetText(srv.URL + "/token")
	f.clientID.SetText("c")
	f.secret.SetText("s")
	f.baseURL.SetText("https://api.example.com/")
	r := f.headers.add(model.Header{})
	r.name.SetText("X-Api-Key")
	r.secret.SetChecked(true)
	if !r.value.Password {
		t.Error("a secret header's value entry does not mask")
	}
	test.Tap(f.save)
	if !strings.Contains(f.says(), "enter its value") {
		t.Fatalf("a secret header without a value: problem %q", f.says())
	}
	r.value.SetText(key)
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })

	data, err := os.ReadFile(h.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), key) || !strings.Contains(string(data), "X-Api-Key") {
		t.Fatalf("profiles.json:\n%s", data)
	}
	h.selectName("gw")
	p := *h.u.current()
	if vals, _ := h.keys.HeaderValues(p.ID); vals["X-Api-Key"] != key {
		t.Error("the value is not in the keychain")
	}
	if s := formText(h.u.detail.settings); strings.Contains(s, key) || !strings.Contains(s, "X-Api-Key: ••••••  (in the keychain)") {
		t.Errorf("settings:\n%s", s)
	}
	h.u.onCopy(copyCurl)
	h.until("the copy", func() bool { return h.app.Clipboard().Content() != "" })
	if c := h.app.Clipboard().Content(); !strings.Contains(c, "'X-Api-Key: "+key+"'") {
		t.Errorf("copied curl %q", c)
	}

	// Editing: the value is not loaded; left blank it stays.
	h.u.onEdit()
	f = h.u.form
	if len(f.headers.list) != 1 || f.headers.list[0].value.Text != "" || !f.headers.list[0].secret.Checked ||
		f.headers.list[0].value.PlaceHolder != "unchanged" {
		t.Fatalf("edit form: %+v", f.headers.list)
	}
	f.notes.SetText("edited")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	if vals, _ := h.keys.HeaderValues(p.ID); vals["X-Api-Key"] != key {
		t.Error("editing without a new value lost the kept one")
	}
}
