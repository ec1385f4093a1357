package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // snapshots show times
	os.Exit(m.Run())
}

// harness is a window over a real store, an in-memory keychain and real
// sessions, with the clock, the UI thread and the clipboard timer in the
// test's hands.
type harness struct {
	t      testing.TB
	u      *UI
	win    fyne.Window
	app    fyne.App
	store  *storage.Store
	mem    *storage.MemoryStore
	keys   *storage.Keychain
	now    time.Time
	queue  chan func()
	timers []func()
}

var epoch = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newHarness(t testing.TB, profiles ...model.Profile) *harness {
	t.Helper()
	h := &harness{t: t, now: epoch, queue: make(chan func(), 1000)}
	h.app = test.NewTempApp(t)
	h.win = h.app.NewWindow("Token Desk")
	h.win.Resize(fyne.NewSize(1000, 700))
	h.store = storage.Open(t.TempDir())
	h.mem = &storage.MemoryStore{}
	h.keys = storage.NewKeychain(h.mem)
	for _, p := range profiles {
		if err := h.store.Update(func(f *storage.File) error { _, err := f.Put(p); return err }); err != nil {
			t.Fatal(err)
		}
		if err := h.keys.SetClientSecret(p.ID, "secret-"+p.Name); err != nil {
			t.Fatal(err)
		}
	}
	m := session.NewManager(h.keys, auth.NewClient())
	m.Now = h.clock
	h.u = New(h.app, h.win, Options{
		Store: h.store, Secrets: h.keys, Sessions: m,
		Now:        h.clock,
		Do:         func(f func()) { h.queue <- f },
		AfterFunc:  func(_ time.Duration, f func()) { h.timers = append(h.timers, f) },
		MedplumDir: t.TempDir(), // not the tester's own
	})
	m.OnChange = h.u.OnSessionChange
	h.u.Reload()
	return h
}

func (h *harness) clock() time.Time { return h.now }

// until runs what background work hands to the UI thread until cond holds.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// drain runs what is queued for the UI thread now.
func (h *harness) drain() {
	for {
		select {
		case f := <-h.queue:
			f()
		default:
			return
		}
	}
}

// idleRedraws runs n idle ticks, a second apart, and counts the redraws
// they ask for.
func (h *harness) idleRedraws(n int) int32 {
	h.t.Helper()
	var count atomic.Int32
	fyne.SetCurrentApp(refreshCounter{h.app, &count})
	defer fyne.SetCurrentApp(h.app)
	for range n {
		h.now = h.now.Add(time.Second)
		h.u.Tick()
	}
	return count.Load()
}

func (h *harness) selectName(name string) {
	h.t.Helper()
	for i, p := range h.u.shown {
		if p.Name == name {
			h.u.list.Select(i)
			return
		}
	}
	h.t.Fatalf("no row %q", name)
}

// rowText is what the list shows for a profile.
func (h *harness) rowText(name string) string {
	for _, p := range h.u.shown {
		if p.Name == name {
			text, _ := liveStateText(h.u.session(p).Status(h.now))
			return text
		}
	}
	return ""
}

func tokenServer(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

func prof(id, name, env, tokenURL string) model.Profile {
	return model.Profile{ID: id, Name: name, Env: env, TokenURL: tokenURL, ClientID: "client-" + name,
		BaseURL: "https://api.example.com/", RequestPath: "fhir/R4/Patient", Scopes: []string{"openid"}}
}

func okServer(t *testing.T, requests *atomic.Int32) *httptest.Server {
	return tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":3600,"project":{"reference":"Project/1"}}`, n)
	})
}

func TestGetTokenShowsCountdown(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "prod", "prod", srv.URL+"/token"))
	h.selectName("prod")
	test.Tap(h.u.detail.fetchBtn)
	// Far from expiry both count whole minutes: the window redraws once
	// a minute, not every second.
	h.until("a valid token", func() bool { return h.u.detail.state.Text == "valid 1 h 00 min" })
	if got := h.rowText("prod"); got != "valid 1 h 00 min" {
		t.Errorf("row shows %q", got)
	}
	if v := h.u.detail.progress.Value; v != 1 {
		t.Errorf("progress %v; want 1", v)
	}
	if !strings.Contains(formText(h.u.detail.token), "Project/1") {
		t.Errorf("token view lacks Medplum's project: %s", formText(h.u.detail.token))
	}
	h.now = h.now.Add(15 * time.Minute)
	h.u.Tick()
	if h.u.detail.state.Text != "valid 45 min" || h.u.detail.progress.Value != 0.75 {
		t.Errorf("after 15 min: %q, progress %v", h.u.detail.state.Text, h.u.detail.progress.Value)
	}
	// The bar moves when that moves it by a pixel: a second of an hour is
	// less than one of its 600-odd pixels, seven seconds are more.
	if w := h.u.detail.progress.Size().Width; w < 400 || w > 1000 {
		t.Fatalf("progress bar %v wide; the steps below assume a few hundred pixels", w)
	}
	h.now = h.now.Add(time.Second)
	h.u.Tick()
	if v := h.u.detail.progress.Value; v != 0.75 {
		t.Errorf("after a second more the bar moved to %v", v)
	}
	h.now = h.now.Add(6 * time.Second)
	h.u.Tick()
	if v, want := h.u.detail.progress.Value, (45*60-7)/3600.0; math.Abs(v-want) > 1e-9 {
		t.Errorf("after seven seconds the bar is at %v; want %v", v, want)
	}
	// The last ten minutes count seconds.
	h.now = h.now.Add(35*time.Minute + 23*time.Second)
	h.u.Tick()
	if h.u.detail.state.Text != "valid 9:30" || h.rowText("prod") != "valid 9:30" {
		t.Errorf("ten minutes before: detail %q, row %q", h.u.detail.state.Text, h.rowText("prod"))
	}
	h.now = h.now.Add(-(35*time.Minute + 23*time.Second) - 7*time.Second)
	h.now = h.now.Add(44*time.Minute + 15*time.Second)
	h.u.Tick()
	if h.u.detail.state.Text != "expires in 0:45" {
		t.Errorf("near the end: %q", h.u.detail.state.Text)
	}
	h.now = h.now.Add(time.Minute)
	h.u.Tick()
	if h.u.detail.state.Text != "expired" {
		t.Errorf("after the end: %q", h.u.detail.state.Text)
	}
}

// formText is a read-only form's rows as text.
func formText(f *widget.Form) string {
	var b strings.Builder
	for _, it := range f.Items {
		fmt.Fprintf(&b, "%s=%s\n", it.Text, it.Widget.(*widget.Label).Text)
	}
	return b.String()
}

func TestInvalidSecretShownOnProfile(t *testing.T) {
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Invalid secret"}`)
	})
	h := newHarness(t, prof("p1", "medplum", "prod", srv.URL+"/oauth2/token"))
	h.selectName("medplum")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the error", func() bool { return h.u.detail.errLabel.Visible() })
	if got := h.u.detail.errLabel.Text; !strings.Contains(got, "400 Bad Request: invalid_request: Invalid secret") {
		t.Errorf("error label %q", got)
	}
	if got := h.rowText("medplum"); got != "error" {
		t.Errorf("row shows %q; want error", got)
	}
	if strings.Contains(h.u.detail.errLabel.Text, "secret-medplum") {
		t.Error("the error shows the client secret")
	}
}

func TestDoubleTapSendsOneRequest(t *testing.T) {
	var requests atomic.Int32
	release := make(chan struct{})
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
		fmt.Fprint(w, `{"access_token":"once","token_type":"bearer","expires_in":600}`)
	})
	h := newHarness(t, prof("p1", "a", "", srv.URL+"/token"))
	h.selectName("a")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the fetching state", func() bool { return h.u.detail.fetchBtn.Disabled() })
	test.Tap(h.u.detail.fetchBtn) // disabled: ignored
	h.u.onFetch()                 // the shortcut: joins the request under way
	if h.u.detail.fetchBtn.Text != "Fetching…" || !h.u.detail.cancelBtn.Visible() {
		t.Errorf("while fetching: button %q, cancel visible %v", h.u.detail.fetchBtn.Text, h.u.detail.cancelBtn.Visible())
	}
	close(release)
	h.until("the token", func() bool { return strings.HasPrefix(h.u.detail.state.Text, "valid") })
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

func TestFilterNarrowsList(t *testing.T) {
	h := newHarness(t,
		prof("1", "medplum-prod", "prod", "https://api.medplum.com/oauth2/token"),
		prof("2", "medplum-staging", "staging", "https://staging.medplum.com/oauth2/token"),
		prof("3", "hydra-local", "local", "http://localhost:4444/oauth2/token"),
	)
	if n := h.u.list.Length(); n != 3 {
		t.Fatalf("list has %d rows", n)
	}
	h.win.Canvas().Focus(h.u.filterEntry)
	test.Type(h.u.filterEntry, "medplum")
	if n := h.u.list.Length(); n != 2 {
		t.Errorf("after 'medplum': %d rows; want 2", n)
	}
	test.Type(h.u.filterEntry, " prod")
	if n := h.u.list.Length(); n != 1 || h.u.shown[0].Name != "medplum-prod" {
		t.Errorf("after 'medplum prod': %v", h.u.shown)
	}
	h.u.filterEntry.SetText("client-hydra")
	if n := h.u.list.Length(); n != 1 || h.u.shown[0].Name != "hydra-local" {
		t.Errorf("by client ID: %v", h.u.shown)
	}
	h.u.filterEntry.SetText("")
	h.u.sortByEnv = true
	h.u.applyFilter()
	if got := [3]string{h.u.shown[0].Env, h.u.shown[1].Env, h.u.shown[2].Env}; got != [3]string{"local", "staging", "prod"} {
		t.Errorf("grouped by environment: %v", got)
	}
}

func TestAddFormValidates(t *testing.T) {
	h := newHarness(t, prof("1", "existing", "prod", "https://a.example.com/token"))
	h.u.onAdd()
	f := h.u.form
	fill := func(name, tokenURL, clientID, secret string) {
		f.name.SetText(name)
		f.tokenURL.SetText(tokenURL)
		f.clientID.SetText(clientID)
		f.secret.SetText(secret)
	}
	tests := []struct {
		name, tokenURL, clientID, secret, want string
		field                                  *formEntry // where it shows
	}{
		{"new", "not a url", "c", "s", "must start with https://", f.tokenURL},
		{"existing", "https://a.example.com/token", "c", "s", `a profile named "existing" already exists`, f.name},
		{"new", "http://auth.example.com/token", "c", "s", "clear text", f.tokenURL},
		{"new", "https://a.example.com/token", "", "s", "client ID is required", f.clientID},
		{"new", "https://a.example.com/token", "c", "", "client secret is required", f.secret},
		{"", "https://a.example.com/token", "c", "s", "a name is required", f.name},
	}
	for _, tt := range tests {
		fill(tt.name, tt.tokenURL, tt.clientID, tt.secret)
		test.Tap(f.save)
		if got := tt.field.msg.Text; !strings.Contains(got, tt.want) || f.says() != got {
			t.Errorf("%+v: field says %q, the form %q; want only %q on the field", tt, got, f.says(), tt.want)
		}
		if h.win.Canvas().Focused() != tt.field {
			t.Errorf("%+v: the focus is not on the field to fix", tt)
		}
	}
	// A message goes as soon as what it says is fixed.
	test.Type(f.name, "fresh")
	if f.name.msg.Text != "" {
		t.Errorf("after typing a name the field still says %q", f.name.msg.Text)
	}
	file, _ := h.store.Load()
	if len(file.Profiles) != 1 {
		t.Fatalf("an invalid form saved: %d profiles", len(file.Profiles))
	}
	// Presets fill the URLs; a valid form saves the profile and the secret.
	f.preset.SetSelected("Medplum local (port 8103)")
	if f.tokenURL.Text != "http://localhost:8103/oauth2/token" || f.baseURL.Text != "http://localhost:8103/" {
		t.Errorf("preset filled %q, %q", f.tokenURL.Text, f.baseURL.Text)
	}
	f.name.SetText("medplum-local")
	f.clientID.SetText("abc")
	f.secret.SetText("typed-secret")
	f.env.SetText("local")
	f.params.SetText("audience=https://api.example.com\n")
	test.Tap(f.save)
	h.until("the saved profile", func() bool { return h.u.form == nil })
	file, _ = h.store.Load()
	p, err := file.ByName("medplum-local")
	if err != nil {
		t.Fatal(err)
	}
	if p.Params.Get("audience") != "https://api.example.com" || p.Env != "local" {
		t.Errorf("saved %+v", p)
	}
	if s, _ := h.keys.ClientSecret(p.ID); s != "typed-secret" {
		t.Error("the secret did not reach the keychain")
	}
	data, _ := os.ReadFile(h.store.Path())
	if strings.Contains(string(data), "typed-secret") {
		t.Error("the secret reached the profiles file")
	}
}

func TestEditKeepsSecretWhenEmpty(t *testing.T) {
	h := newHarness(t, prof("1", "a", "prod", "https://a.example.com/token"))
	h.selectName("a")
	h.u.onEdit()
	f := h.u.form
	if f.name.Text != "a" || f.clientID.Text != "client-a" {
		t.Fatalf("form not filled: %q %q", f.name.Text, f.clientID.Text)
	}
	f.name.SetText("renamed")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	if s, _ := h.keys.ClientSecret("1"); s != "secret-a" {
		t.Errorf("secret after edit %q; want the stored one kept", s)
	}
	file, _ := h.store.Load()
	if p, err := file.ByID("1"); err != nil || p.Name != "renamed" {
		t.Errorf("after rename: %+v %v", p, err)
	}
}

func TestDeleteRemovesSecretAndCache(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "gone", "", srv.URL+"/token"), prof("p2", "kept", "", srv.URL+"/token"))
	h.selectName("gone")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the token", func() bool { return strings.HasPrefix(h.u.detail.state.Text, "valid") })
	if _, err := h.keys.Token("p1"); err != nil {
		t.Fatalf("token not cached: %v", err)
	}
	h.u.onDelete()
	h.until("the delete", func() bool { return strings.HasPrefix(h.u.status.Text, "Deleted") })
	if _, err := h.keys.ClientSecret("p1"); err != nil {
		t.Error("the secret left the keychain while the delete can be undone")
	}
	h.endUndo()
	if _, err := h.keys.ClientSecret("p1"); err == nil {
		t.Error("secret still in the keychain")
	}
	if _, err := h.keys.Token("p1"); err == nil {
		t.Error("token still cached")
	}
	if _, err := h.keys.ClientSecret("p2"); err != nil {
		t.Error("the other profile's secret went too")
	}
	if h.u.list.Length() != 1 {
		t.Errorf("list has %d rows", h.u.list.Length())
	}
}

func TestCopyAndClearClipboard(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "prod", "prod", srv.URL+"/token"))
	h.selectName("prod")
	cb := h.app.Clipboard()

	// No token yet: copying fetches one first.
	test.Tap(h.u.detail.copyBtn) // a token, the first copy
	h.until("the copy", func() bool { return cb.Content() != "" })
	if cb.Content() != "tok-1" || !strings.Contains(h.u.status.Text, "clears in 45 s") {
		t.Errorf("clipboard %q, status %q", cb.Content(), h.u.status.Text)
	}
	h.timers[0]()
	h.drain()
	if cb.Content() != "" {
		t.Errorf("clipboard not cleared: %q", cb.Content())
	}

	h.copyFromMenu("Copy header")
	h.until("the header", func() bool { return cb.Content() != "" })
	if cb.Content() != "Authorization: Bearer tok-1" {
		t.Errorf("header copy %q", cb.Content())
	}
	cb.SetContent("something the person copied since")
	h.timers[1]()
	h.drain()
	if cb.Content() != "something the person copied since" {
		t.Error("the clear wiped what the person copied later")
	}

	h.copyFromMenu("Copy curl")
	h.until("the curl", func() bool { return strings.HasPrefix(cb.Content(), "curl") })
	if want := "curl -H 'Authorization: Bearer tok-1' https://api.example.com/fhir/R4/Patient"; cb.Content() != want {
		t.Errorf("curl copy %q; want %q", cb.Content(), want)
	}
	h.copyFromMenu("Copy HTTPie")
	h.until("the HTTPie command", func() bool { return strings.HasPrefix(cb.Content(), "http ") })
	if want := "http GET https://api.example.com/fhir/R4/Patient 'Authorization:Bearer tok-1'"; cb.Content() != want {
		t.Errorf("HTTPie copy %q; want %q", cb.Content(), want)
	}
	h.copyFromMenu("Copy token request (curl)")
	if !strings.Contains(cb.Content(), `"$CLIENT_SECRET"`) || strings.Contains(cb.Content(), "secret-prod") {
		t.Errorf("token request copy %q", cb.Content())
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d token requests; want 1 (copies reuse the valid token)", n)
	}
}

func TestKeyboardShortcuts(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("a", "alpha", "", srv.URL+"/token"), prof("b", "beta", "", srv.URL+"/token"))
	h.win.Canvas().Focus(h.u.list)
	h.u.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	h.u.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if h.u.selected != "b" {
		t.Errorf("after two downs selected %q; want b", h.u.selected)
	}
	h.u.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if h.u.selected != "a" {
		t.Errorf("after up selected %q; want a", h.u.selected)
	}
	h.u.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF5})
	h.until("F5's token", func() bool { return requests.Load() == 1 && strings.HasPrefix(h.u.detail.state.Text, "valid") })
	h.win.Canvas().Unfocus()
	typed := h.win.Canvas().(fyne.Shortcutable)
	typed.TypedShortcut(shortcutCopyHeader)
	h.until("the header copy", func() bool { return h.app.Clipboard().Content() != "" })
	if got := h.app.Clipboard().Content(); got != "Authorization: Bearer tok-1" {
		t.Errorf("Ctrl+Shift+H copied %q", got)
	}
	typed.TypedShortcut(shortcutNew)
	if h.u.form == nil {
		t.Error("Ctrl+N opened no form")
	}
}

func TestEmptyStateAndSnapshots(t *testing.T) {
	h := newHarness(t)
	test.AssertRendersToMarkup(t, "empty.xml", h.win.Canvas())

	h = newHarness(t,
		prof("1", "medplum-prod", "prod", "https://api.medplum.com/oauth2/token"),
		prof("2", "medplum-staging", "staging", "https://staging.example.com/oauth2/token"),
		prof("3", "hydra-local", "local", "http://127.0.0.1:1/oauth2/token"),
	)
	for id, left := range map[string]time.Duration{"1": 42*time.Minute + 17*time.Second, "2": 45 * time.Second} {
		p, _ := func() (model.Profile, error) { f, _ := h.store.Load(); return f.ByID(id) }()
		_, err := h.keys.SetToken(id, model.Token{AccessToken: "opaque-" + id, TokenType: "bearer",
			IssuedAt: h.now.Add(left - time.Hour), Expiry: h.now.Add(left), Fingerprint: p.Fingerprint()})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.u.Preload()
	h.until("the cached tokens", func() bool { return h.rowText("medplum-prod") == "valid 42 min" })
	h.selectName("medplum-prod")
	test.AssertRendersToMarkup(t, "list.xml", h.win.Canvas())

	h.selectName("hydra-local")
	test.Tap(h.u.detail.fetchBtn)
	// The status bar is the fetch's last word: after it, every widget shows the outcome.
	h.until("the connection error", func() bool { return strings.Contains(h.u.status.Text, "connection refused") })
	if !strings.Contains(h.u.detail.errLabel.Text, "connection refused") {
		t.Errorf("error %q", h.u.detail.errLabel.Text)
	}
	test.AssertRendersToMarkup(t, "error.xml", h.win.Canvas())
}

func TestBrokenProfilesFileIsShownAndKept(t *testing.T) {
	h := newHarness(t)
	if err := os.WriteFile(h.store.Path(), []byte(`{"version": 1, "profiles": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.u.Reload()
	if h.u.loadErr == nil {
		t.Fatal("no error for a truncated file")
	}
	markup := test.RenderToMarkup(h.win.Canvas())
	if !strings.Contains(markup, "cannot be read") || !strings.Contains(markup, h.store.Path()) {
		t.Error("the window does not say which file is broken")
	}
	data, _ := os.ReadFile(h.store.Path())
	if string(data) != `{"version": 1, "profiles": [` {
		t.Error("the broken file was changed")
	}
}

// tapButton taps the button labelled text, in the window or in a dialog.
func tapButton(t *testing.T, c fyne.Canvas, text string) {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.TempWidgetRenderer(t, x).Objects() {
				walk(c)
			}
		}
	}
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	walk(c.Content())
	if found == nil {
		t.Fatalf("no button %q on screen", text)
	}
	test.Tap(found)
}

func TestRecoverBrokenFileKeepsIt(t *testing.T) {
	h := newHarness(t, prof("1", "one", "", "https://a.example/token"), prof("2", "two", "", "https://a.example/token"))
	data, _ := os.ReadFile(h.store.Path())
	broken := data[:strings.Index(string(data), `"two"`)]
	if err := os.WriteFile(h.store.Path(), broken, 0o600); err != nil {
		t.Fatal(err)
	}
	h.u.Reload()
	tapButton(t, h.win.Canvas(), "Continue with what can be read")
	tapButton(t, h.win.Canvas(), "Yes")
	if h.u.loadErr != nil || h.u.list.Length() != 1 || h.u.shown[0].Name != "one" {
		t.Fatalf("after recovery: %v, %d rows", h.u.loadErr, h.u.list.Length())
	}
	matches, _ := filepath.Glob(h.store.Path() + ".broken-*")
	if len(matches) != 1 {
		t.Fatalf("broken file kept as %v", matches)
	}
	if kept, _ := os.ReadFile(matches[0]); string(kept) != string(broken) {
		t.Error("the broken file was changed")
	}
}

func TestDeleteKeyDeletes(t *testing.T) {
	h := newHarness(t, prof("1", "gone", "", "https://a.example/token"))
	h.selectName("gone")
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	h.until("the delete", func() bool { return strings.HasPrefix(h.u.status.Text, "Deleted") })
	h.endUndo()
	if h.mem.Len() != 0 || h.u.list.Length() != 0 {
		t.Errorf("after delete: %d keychain entries, %d rows", h.mem.Len(), h.u.list.Length())
	}
}

func TestSecretMissingShown(t *testing.T) {
	h := newHarness(t, prof("1", "copied", "", "https://a.example/token"))
	if err := h.keys.Forget("1"); err != nil {
		t.Fatal(err)
	}
	h.selectName("copied")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the error", func() bool { return strings.Contains(h.u.status.Text, "Secret missing") })
	if !strings.Contains(h.u.detail.errLabel.Text, "Secret missing — enter it again") {
		t.Errorf("error label %q", h.u.detail.errLabel.Text)
	}
}

func TestCancelStopsHungRequest(t *testing.T) {
	stop := make(chan struct{})
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	defer close(stop)
	h := newHarness(t, prof("1", "hung", "", srv.URL+"/token"))
	h.u.Preload()
	h.until("the keychain read", func() bool { return h.rowText("hung") == "no token" })
	h.selectName("hung")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the fetching state", func() bool { return h.u.detail.cancelBtn.Visible() })
	test.Tap(h.u.detail.cancelBtn)
	h.until("the cancellation", func() bool { return strings.Contains(h.u.status.Text, "cancelled") })
	// A cancel is not an error: the profile is as it was before the request.
	if h.u.detail.errLabel.Visible() || h.u.detail.fetchBtn.Disabled() || h.rowText("hung") != "no token" {
		t.Errorf("after cancel: error shown %v, button disabled %v, row %q", h.u.detail.errLabel.Visible(), h.u.detail.fetchBtn.Disabled(), h.rowText("hung"))
	}
}

// TestNoSecretInWindowOrLogs runs the window's flows with recognisable
// values and looks for them in everything it shows and logs.
func TestNoSecretInWindowOrLogs(t *testing.T) {
	var logs strings.Builder
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	const token = "TOKEN-canary-7f3a"
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("client_secret") == "secret-good" {
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":600}`, token)
			return
		}
		w.WriteHeader(400)
		fmt.Fprintf(w, "bad secret %s", r.PostForm.Get("client_secret")) // a server that echoes it
	})
	good, bad := prof("1", "good", "", srv.URL+"/t"), prof("2", "bad", "", srv.URL+"/t")
	good.AuthStyle, bad.AuthStyle = model.AuthBody, model.AuthBody
	h := newHarness(t, good, bad)
	markups := []string{}
	for _, name := range []string{"good", "bad"} {
		h.selectName(name)
		h.copyFromMenu("Copy header")
		h.until("the outcome", func() bool {
			return strings.HasPrefix(h.u.status.Text, name+":") || strings.HasPrefix(h.u.status.Text, "Copied")
		})
		markups = append(markups, test.RenderToMarkup(h.win.Canvas()))
	}
	h.u.onEdit()
	markups = append(markups, test.RenderToMarkup(h.win.Canvas()))
	all := strings.Join(markups, "\n") + logs.String()
	for _, secret := range []string{"secret-good", "secret-bad"} {
		if strings.Contains(all, secret) {
			t.Errorf("%s appears in the window or the log", secret)
		}
	}
	if strings.Contains(all, token) {
		t.Error("the token appears in the window or the log")
	}
	if h.app.Clipboard().Content() != "Authorization: Bearer "+token {
		t.Error("the header did not reach the clipboard")
	}
	dir, _ := os.ReadFile(h.store.Path())
	if strings.Contains(string(dir), "secret-") || strings.Contains(string(dir), token) {
		t.Error("the profiles file holds a secret")
	}
}

// TestDetailFollowsSelection: switching profiles shows the new profile's
// settings and token, not the previous one's (widget.Form keeps the
// widgets it rendered).
func TestDetailFollowsSelection(t *testing.T) {
	h := newHarness(t,
		prof("a", "alpha", "", "https://alpha.example/token"),
		prof("b", "beta", "", "https://beta.example/token"),
	)
	for _, id := range []string{"a", "b"} {
		f, _ := h.store.Load()
		p, _ := f.ByID(id)
		_, err := h.keys.SetToken(id, model.Token{AccessToken: "token-of-" + id, Scope: "scope-of-" + id,
			IssuedAt: h.now, Expiry: h.now.Add(time.Hour), Fingerprint: p.Fingerprint()})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.u.Preload()
	// The first profile is selected from the start; its pane shows the
	// token once the preload is done.
	h.until("the cached tokens", func() bool {
		return strings.HasPrefix(h.rowText("beta"), "valid") && strings.HasPrefix(h.u.detail.state.Text, "valid")
	})
	for _, name := range []string{"alpha", "beta", "alpha"} {
		h.selectName(name)
		// What is drawn, not the Items slice: the form keeps rendered widgets.
		settings, token := test.RenderObjectToMarkup(h.u.detail.settings), test.RenderObjectToMarkup(h.u.detail.token)
		if !strings.Contains(settings, "client-"+name) || !strings.Contains(settings, name+".example") {
			t.Errorf("%s selected, settings show:\n%s", name, settings)
		}
		if !strings.Contains(token, "scope-of-"+name[:1]) {
			t.Errorf("%s selected, token shows:\n%s", name, token)
		}
	}
}

// TestInsecureProfileIsFlagged: a profile allowed to send its secret over
// plain http to a non-loopback host carries a warning in the list and the
// details; a loopback one does not.
func TestInsecureProfileIsFlagged(t *testing.T) {
	lan := prof("1", "lan", "", "http://10.0.0.5/token")
	lan.AllowInsecure = true
	local := prof("2", "local", "", "http://localhost:8103/oauth2/token")
	h := newHarness(t, lan, local)
	seen := 0
	for _, r := range h.u.rows {
		if r.profile.ID == "" {
			continue
		}
		seen++
		if want := r.profile.Name == "lan"; r.warn.Visible() != want {
			t.Errorf("row %s: warning shown %v; want %v", r.profile.Name, r.warn.Visible(), want)
		}
	}
	if seen != 2 {
		t.Fatalf("%d rows drawn; want 2", seen)
	}
	h.selectName("lan")
	if !h.u.detail.insecure.Visible() {
		t.Error("no warning in the details of the insecure profile")
	}
	h.selectName("local")
	if h.u.detail.insecure.Visible() {
		t.Error("a loopback profile is flagged insecure")
	}
}

func TestImportFromMedplumCLI(t *testing.T) {
	dir := t.TempDir()
	inner, _ := json.Marshal(map[string]string{"name": "medplum-dev", "baseUrl": "http://localhost:8103", "authType": "client-credentials",
		"clientId": "dev-id", "clientSecret": "dev-plain-secret"})
	file := filepath.Join(dir, "dev.json")
	data, _ := json.Marshal(map[string]string{"options": string(inner)})
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.u.opts.MedplumDir = dir
	h.u.onImportMedplum()
	h.until("the import", func() bool { return strings.HasPrefix(h.u.status.Text, "Imported 1 profile") })
	if h.u.list.Length() != 1 || h.u.shown[0].TokenURL != "http://localhost:8103/oauth2/token" {
		t.Fatalf("after import: %+v", h.u.shown)
	}
	if s, _ := h.keys.ClientSecret(h.u.shown[0].ID); s != "dev-plain-secret" {
		t.Error("the secret is not in the keychain")
	}
	if now, _ := os.ReadFile(file); !strings.Contains(string(now), "dev-plain-secret") {
		t.Fatal("the file changed before the person agreed")
	}
	tapButton(t, h.win.Canvas(), "Remove plain-text secrets")
	h.until("the removal", func() bool { return strings.HasPrefix(h.u.status.Text, "Removed the plain-text secret from 1") })
	if now, _ := os.ReadFile(file); strings.Contains(string(now), "dev-plain-secret") || !strings.Contains(string(now), "dev-id") {
		t.Errorf("after removal:\n%s", now)
	}
}

func TestFormDiscoverFillsTokenURL(t *testing.T) {
	var base string
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%s/oauth2/token","token_endpoint_auth_methods_supported":["client_secret_post"],"grant_types_supported":["client_credentials"]}`, base, base)
	})
	base = srv.URL
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.baseURL.SetText(srv.URL + "/")
	f.style.SetSelectedIndex(1) // header: not among the server's methods
	test.Tap(f.discover)
	h.until("the discovery", func() bool { return f.tokenURL.Text != "" })
	if f.tokenURL.Text != srv.URL+"/oauth2/token" {
		t.Errorf("token URL %q", f.tokenURL.Text)
	}
	if !strings.Contains(f.says(), "client_secret_basic") || f.problem.Importance != widget.WarningImportance {
		t.Errorf("discovery note %q (importance %v); want a warning about client_secret_basic", f.says(), f.problem.Importance)
	}
}

// A discovery that finds nothing says so in one line under the field and
// tells the URLs tried where text wraps, a line each; nothing typed is lost.
func TestFormDiscoverFailureWraps(t *testing.T) {
	h := newHarness(t)
	h.u.opts.Discover = func(string) (*auth.Metadata, error) {
		return nil, errors.New("no server metadata found; tried:\n  https://x/.well-known/openid-configuration: 404\n  https://x/.well-known/oauth-authorization-server: 404")
	}
	h.u.onAdd()
	f := h.u.form
	f.baseURL.SetText("https://x/")
	test.Tap(f.discover)
	h.until("the discovery", func() bool { return f.problem.Visible() })
	if msg := f.baseURL.msg.Text; strings.Contains(msg, "\n") || len([]rune(msg)) > 80 || msg == "" {
		t.Errorf("field message %q; want one short line", msg)
	}
	if !strings.Contains(f.problem.Text, "oauth-authorization-server") || f.problem.Importance != widget.DangerImportance {
		t.Errorf("problem %q (importance %v); want the URLs tried, as an error", f.problem.Text, f.problem.Importance)
	}
	if f.baseURL.Text != "https://x/" {
		t.Errorf("base URL %q; want it kept", f.baseURL.Text)
	}
}

func TestTestCallShowsAnswer(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	p := prof("p1", "medplum", "", srv.URL+"/token")
	p.ProbePath = "auth/me"
	h := newHarness(t, p)
	var called string
	h.u.opts.Probe = func(p model.Profile, tok *model.Token) (auth.ProbeResult, error) {
		called = p.ProbePath + " with " + tok.AccessToken
		return auth.ProbeResult{URL: "https://api.example.com/auth/me", Status: "200 OK", Code: 200, Took: 42 * time.Millisecond, Snippet: `{"ok":true}`}, nil
	}
	h.selectName("medplum")
	test.Tap(h.u.detail.testBtn)
	h.until("the test result", func() bool { return h.u.detail.testResult.Visible() })
	if called != "auth/me with tok-1" {
		t.Errorf("probe called as %q", called)
	}
	if got := h.u.detail.testResult.Text; !strings.Contains(got, "200 OK in 42 ms") || h.u.detail.testResult.Importance != widget.SuccessImportance {
		t.Errorf("test result %q", got)
	}
}

func TestPrivateKeyJWTProfile(t *testing.T) {
	var form url.Values
	srv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		fmt.Fprint(w, `{"access_token":"signed-in","token_type":"bearer","expires_in":600}`)
	})
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.name.SetText("pk")
	f.tokenURL.SetText(srv.URL + "/token")
	f.clientID.SetText("pk-client")
	f.style.SetSelectedIndex(3) // private_key_jwt; no secret, no key file: a key is generated
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	h.selectName("pk")
	p := h.u.current()
	if key, err := h.keys.PrivateKey(p.ID); err != nil || !strings.Contains(key, "PRIVATE KEY") {
		t.Fatalf("no generated key in the keychain: %v", err)
	}
	if m := h.copyMenuLabels(); !strings.Contains(m, "Copy public JWKS") || strings.Contains(m, "token request") {
		t.Errorf("copy menu %s; want Copy public JWKS, and no Copy token request", m)
	}
	h.copyFromMenu("Copy public JWKS")
	h.until("the JWKS", func() bool { return strings.Contains(h.app.Clipboard().Content(), `"keys"`) })
	if strings.Contains(h.app.Clipboard().Content(), "PRIVATE") || strings.Contains(h.app.Clipboard().Content(), `"d"`) {
		t.Error("the JWKS holds private parts")
	}
	test.Tap(h.u.detail.fetchBtn)
	h.until("the token", func() bool { return strings.HasPrefix(h.u.detail.state.Text, "valid") })
	if form.Get("client_assertion_type") != keys.AssertionType || form.Get("client_id") != "pk-client" || form.Has("client_secret") {
		t.Errorf("token request form %v", form)
	}
}

func TestExportImportProfilesAndPostman(t *testing.T) {
	a := prof("a", "alpha", "prod", "https://a.example/token")
	h := newHarness(t, a)
	var buf strings.Builder
	if err := h.u.exportProfilesTo(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "secret-alpha") || !strings.Contains(buf.String(), "client-alpha") {
		t.Fatalf("exported:\n%s", buf.String())
	}
	other := newHarness(t)
	other.u.importProfilesFrom(strings.NewReader(buf.String()))
	if other.u.list.Length() != 1 || !strings.Contains(other.u.status.Text, "Imported alpha") {
		t.Errorf("after import: %d rows, %q", other.u.list.Length(), other.u.status.Text)
	}
	var pm strings.Builder
	tok := &model.Token{AccessToken: "tok-x", TokenType: "bearer"}
	if err := h.u.exportPostmanTo(a, tok, &pm); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pm.String(), `"_postman_variable_scope": "environment"`) || !strings.Contains(pm.String(), `"tok-x"`) || strings.Contains(pm.String(), "clientSecret") {
		t.Errorf("postman:\n%s", pm.String())
	}
}

// TestBuildOffMainThenAttach builds the UI the way the window's main does:
// widgets, profiles and layout on another goroutine before there is a
// window (the main goroutine starts GLFW meanwhile), then attached on this
// one. Nothing before Attach may need the window, not even the countdown
// of a token already known, and the layout must already hold the rows.
func TestBuildOffMainThenAttach(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Token Desk")
	before := w.Content()
	store := storage.Open(t.TempDir())
	if err := store.Update(func(f *storage.File) error {
		for _, p := range []model.Profile{prof("p1", "alpha", "local", "https://a.example/token"), prof("p2", "beta", "prod", "https://b.example/token")} {
			if _, err := f.Put(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a.Preferences().SetString("lastSelected", "p2")
	keys := storage.NewKeychain(&storage.MemoryStore{})
	sessions := session.NewManager(keys, auth.NewClient())
	f, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p2, err := f.ByID("p2")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := keys.SetToken("p2", model.Token{AccessToken: "opaque", TokenType: "bearer",
		IssuedAt: now.Add(-time.Minute), Expiry: now.Add(time.Hour), Fingerprint: p2.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	sessions.Session(p2).Load()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	size := fyne.NewSize(1000, 700)
	built := make(chan *UI, 1)
	go func() {
		u := Build(a, Options{Store: store, Secrets: keys, Sessions: sessions, Do: func(func()) {}})
		u.Start(ctx)
		u.Layout(size)
		built <- u
	}()
	u := <-built
	if w.Content() != before || w.MainMenu() != nil {
		t.Fatal("Build touched the window before Attach")
	}
	if len(u.rows) < 2 {
		t.Errorf("layout made %d rows; want the list's rows made before Attach", len(u.rows))
	}
	u.Attach(w)
	w.Resize(size)
	if w.Content() != u.root || w.MainMenu() == nil {
		t.Fatal("Attach did not show the UI")
	}
	if p := u.current(); p == nil || p.Name != "beta" {
		t.Errorf("remembered selection not restored: %v", p)
	}
	if u.detail.title.Text != "beta" {
		t.Errorf("detail shows %q", u.detail.title.Text)
	}
	if v := u.detail.progress.Value; v <= 0 {
		t.Errorf("countdown bar at %v; want the live token's time left", v)
	}
}

// refreshCounter counts the redraws widgets ask of their canvas: each one
// repaints the whole window in the real driver.
type refreshCounter struct {
	fyne.App
	n *atomic.Int32
}

func (a refreshCounter) Driver() fyne.Driver { return countingDriver{a.App.Driver(), a.n} }

type countingDriver struct {
	fyne.Driver
	n *atomic.Int32
}

func (d countingDriver) CanvasForObject(o fyne.CanvasObject) fyne.Canvas {
	c := d.Driver.CanvasForObject(o)
	if c == nil {
		return nil
	}
	return countingCanvas{c, d.n}
}

type countingCanvas struct {
	fyne.Canvas
	n *atomic.Int32
}

func (c countingCanvas) Refresh(o fyne.CanvasObject) {
	c.n.Add(1)
	c.Canvas.Refresh(o)
}

// TestIdleTickRedrawsNothing: with a selected profile's token an hour from
// expiry, a second's tick changes nothing on screen and must ask for no
// redraw; a minute's tick changes the countdown.
func TestIdleTickRedrawsNothing(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "prod", "prod", srv.URL+"/token"), prof("p2", "dev", "local", srv.URL+"/token"))
	h.selectName("prod")
	test.Tap(h.u.detail.fetchBtn)
	h.until("a valid token", func() bool { return h.u.detail.state.Text == "valid 1 h 00 min" })
	h.now = h.now.Add(time.Second)
	h.u.Tick() // settles whatever the fetch left

	if got := h.idleRedraws(3); got != 0 {
		t.Errorf("three idle ticks asked for %d redraws; want none", got)
	}
	h.now = h.now.Add(time.Minute - time.Second) // the tick below adds the second
	if got := h.idleRedraws(1); got == 0 || h.u.detail.state.Text != "valid 58 min" {
		t.Errorf("a minute later: %d redraws, %q", got, h.u.detail.state.Text)
	}
}

// copyFromMenu opens the pane's copy menu and picks the item labelled label.
func (h *harness) copyFromMenu(label string) {
	h.t.Helper()
	test.Tap(h.u.detail.copyMenuBtn)
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("the copy menu did not open")
	}
	m := h.u.detail.copyMenu()
	for _, it := range m.Items {
		if it.Label == label {
			top.Hide()
			it.Action()
			return
		}
	}
	h.t.Fatalf("no %q in the copy menu: %s", label, h.copyMenuLabels())
}

// copyMenuLabels lists the copy menu's items.
func (h *harness) copyMenuLabels() string {
	var labels []string
	for _, it := range h.u.detail.copyMenu().Items {
		labels = append(labels, it.Label)
	}
	return fmt.Sprintf("%q", labels)
}

// TestAttachedBeforeLoad: a window attached before its first load shows no
// profile and offers no action on one.
func TestAttachedBeforeLoad(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Token Desk")
	keys := storage.NewKeychain(&storage.MemoryStore{})
	u := New(a, w, Options{Store: storage.Open(t.TempDir()), Secrets: keys, Sessions: session.NewManager(keys, auth.NewClient()),
		Do: func(func()) {}})
	d := u.detail
	for name, b := range map[string]*tipButton{"Get token": d.fetchBtn, "Copy": d.copyBtn, "Test": d.testBtn, "Inspect": d.inspectBtn} {
		if !b.Disabled() {
			t.Errorf("%s is on; want off with no profile", name)
		}
	}
	if !d.none.Visible() || d.none.Text != "Select a profile" {
		t.Errorf("pane says %q (shown %v); want %q", d.none.Text, d.none.Visible(), "Select a profile")
	}
}
