package core

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

type fixture struct {
	desk  *Desk
	store *storage.Store
	mem   *storage.MemoryStore
	keys  *storage.Keychain
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: storage.Open(t.TempDir()), mem: &storage.MemoryStore{}}
	f.keys = storage.NewKeychain(f.mem)
	f.desk = New(f.store, f.keys, session.NewManager(f.keys, auth.NewClient()))
	return f
}

func (f *fixture) add(t *testing.T, name string) model.Profile {
	t.Helper()
	c := Fields(model.Profile{Name: name, TokenURL: "https://auth.example.com/token", ClientID: "cid-" + name})
	c.Secret = "secret-" + name
	saved, err := f.desk.Add(c)
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return saved.Profile
}

func (f *fixture) load(t *testing.T, id string) model.Profile {
	t.Helper()
	file, err := f.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := file.ByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// An edit applies its change to the profile as the file holds it, not to
// the copy the face read: a change to another field meanwhile survives.
func TestEditKeepsChangesMadeMeanwhile(t *testing.T) {
	f := newFixture(t)
	known := f.add(t, "a")
	if _, err := f.desk.Edit(known, Change{Notes: new("from the CLI")}); err != nil {
		t.Fatal(err)
	}
	// The window still holds known, without the notes.
	if _, err := f.desk.Edit(known, Diff(known, withEnv(known, "prod"))); err != nil {
		t.Fatal(err)
	}
	got := f.load(t, known.ID)
	if got.Notes != "from the CLI" || got.Env != "prod" {
		t.Errorf("got notes %q, env %q; want both edits kept", got.Notes, got.Env)
	}
}

func withEnv(p model.Profile, env string) model.Profile {
	p.Env = env
	return p
}

func TestEditDeletedOrRenamedMeanwhile(t *testing.T) {
	f := newFixture(t)
	known := f.add(t, "a")
	if _, err := f.desk.Edit(known, Change{Name: new("b")}); err != nil {
		t.Fatal(err)
	}
	saved, err := f.desk.Edit(known, Change{Env: new("prod")})
	if err != nil || saved.Profile.Name != "b" || saved.RenamedFrom != "a" {
		t.Errorf("edit after a rename: %+v, %v; want name b, renamed from a", saved, err)
	}
	if _, err := f.desk.Delete(known.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Edit(known, Change{Env: new("x")}); !errors.Is(err, ErrGone) {
		t.Errorf("edit after delete: %v; want ErrGone", err)
	}
	if n := f.mem.Len(); n != 0 {
		t.Errorf("the keychain holds %d items after the delete and a refused edit", n)
	}
}

// failing is a profiles file whose writes fail after fn ran, as a process
// killed between the keychain write and the file write leaves things.
type failing struct{ *storage.Store }

var errKilled = errors.New("killed")

func (s failing) Update(fn func(*storage.File) error) error {
	f, err := s.Load()
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	return errKilled
}

// An add writes the keychain first and the file last; one interrupted in
// between leaves no profile, only keychain items, which Orphans finds and
// removes.
func TestInterruptedAddLeavesOnlyOrphans(t *testing.T) {
	f := newFixture(t)
	kept := f.add(t, "kept")
	killed := New(failing{f.store}, noForget{f.keys}, session.NewManager(f.keys, auth.NewClient()))
	c := Fields(model.Profile{Name: "new", TokenURL: "https://auth.example.com/token", ClientID: "c",
		Headers: []model.Header{{Name: "X-Api-Key", Value: "k", Secret: true}}})
	c.Secret = "s"
	if _, err := killed.Add(c); !errors.Is(err, errKilled) {
		t.Fatalf("add: %v; want the write to fail", err)
	}
	file, _ := f.store.Load()
	if len(file.Profiles) != 1 {
		t.Fatalf("the file has %d profiles; want only the one saved before", len(file.Profiles))
	}
	orphans, _, err := f.desk.Orphans(false)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, e := range orphans {
		users = append(users, e.Kind())
		if e.ProfileID() == kept.ID {
			t.Errorf("%s is listed as an orphan", e.User)
		}
	}
	if want := []string{"client-secret", "headers"}; !slices.Equal(users, want) {
		t.Errorf("orphans %v; want %v", users, want)
	}
	if n := f.mem.Len(); n != 3 {
		t.Errorf("listing removed items: %d left; want 3", n)
	}
	if _, _, err := f.desk.Orphans(true); err != nil {
		t.Fatal(err)
	}
	if n := f.mem.Len(); n != 1 {
		t.Errorf("after removal %d items; want the kept profile's secret only", n)
	}
	if s, err := f.keys.ClientSecret(kept.ID); err != nil || s != "secret-kept" {
		t.Errorf("the kept profile's secret: %v", err)
	}
}

// noForget is a keychain whose cleanup never runs, as in a killed process.
type noForget struct{ *storage.Keychain }

func (noForget) Forget(string) error { return nil }

// A failed add (not a kill) takes back what it wrote to the keychain.
func TestFailedAddCleansUp(t *testing.T) {
	f := newFixture(t)
	d := New(failing{f.store}, f.keys, session.NewManager(f.keys, auth.NewClient()))
	c := Fields(model.Profile{Name: "x", TokenURL: "https://auth.example.com/token", ClientID: "c"})
	c.Secret = "s"
	if _, err := d.Add(c); err == nil {
		t.Fatal("add succeeded")
	}
	if n := f.mem.Len(); n != 0 {
		t.Errorf("%d keychain items left; want none", n)
	}
}

func TestAddRefusesTakenNameBeforeTouchingKeychain(t *testing.T) {
	f := newFixture(t)
	f.add(t, "a")
	c := Fields(model.Profile{Name: "a", TokenURL: "https://auth.example.com/token", ClientID: "other"})
	c.Secret = "other"
	_, err := f.desk.Add(c)
	var taken *NameTakenError
	if !errors.As(err, &taken) || taken.Name != "a" {
		t.Errorf("add: %v; want NameTakenError", err)
	}
	if n := f.mem.Len(); n != 1 {
		t.Errorf("%d keychain items; want 1", n)
	}
}

// Both faces store the same things the same way: a relative CA file is
// made absolute, auth style auto is the zero value, and settings that
// decide the token retire the cached one.
func TestOneWayToStore(t *testing.T) {
	f := newFixture(t)
	p := f.add(t, "a")
	if _, err := f.desk.Edit(p, Change{CAFile: new("ca.pem"), AuthStyle: new(model.AuthAuto)}); err != nil {
		t.Fatal(err)
	}
	got := f.load(t, p.ID)
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "ca.pem"); got.CAFile != want || got.AuthStyle != "" {
		t.Errorf("CA file %q, style %q; want %q and the zero value", got.CAFile, got.AuthStyle, want)
	}

	tests := []struct {
		name   string
		change Change
		retire bool
	}{
		{"notes", Change{Notes: new("n")}, false},
		{"scopes", Change{Scopes: &[]string{"openid"}}, true},
		{"params", Change{Params: &url.Values{"audience": {"x"}}}, true},
		{"secret", Change{Secret: "new"}, true},
		{"token header", Change{HeaderKinds: []HeaderSet{{Token: true, Secret: true, Headers: []model.Header{{Name: "X-Gw", Value: "v"}}}}}, true},
		{"plain header", Change{HeaderKinds: []HeaderSet{{Headers: []model.Header{{Name: "X-Plain", Value: "v"}}}}}, false},
	}
	for _, tt := range tests {
		if _, err := f.keys.SetToken(p.ID, model.Token{AccessToken: "t", Fingerprint: f.load(t, p.ID).Fingerprint()}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.desk.Edit(p, tt.change); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		_, err := f.keys.Token(p.ID)
		if retired := errors.Is(err, storage.ErrNotFound); retired != tt.retire {
			t.Errorf("%s: token retired %v; want %v", tt.name, retired, tt.retire)
		}
	}
	got = f.load(t, p.ID)
	if len(got.Headers) != 2 || got.Headers[0].Value != "" || !got.Headers[0].Secret {
		t.Errorf("headers in the file %+v; want the secret one without its value", got.Headers)
	}
	if vals, _ := f.keys.HeaderValues(p.ID); vals["X-Gw"] != "v" {
		t.Errorf("the keychain holds %d header values; want X-Gw", len(vals))
	}
}

// A changed client certificate retires the cached token, whichever face
// made the change.
func TestNewCertificateRetiresToken(t *testing.T) {
	f := newFixture(t)
	c := Fields(model.Profile{Name: "m", TokenURL: "https://auth.example.com/token", ClientID: "c", AuthStyle: model.AuthTLS})
	saved, err := f.desk.Add(c)
	if err != nil || !saved.Made.Cert || !saved.Made.Key {
		t.Fatalf("add: %+v, %v; want a key and a self-signed certificate made", saved.Made, err)
	}
	p := saved.Profile
	if _, err := f.keys.SetToken(p.ID, model.Token{AccessToken: "t", Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	saved, err = f.desk.Edit(p, Change{CertFile: new("")}) // a new self-signed one
	if err != nil || saved.Profile.ClientCert == p.ClientCert || !saved.Made.Cert {
		t.Fatalf("edit: made %+v, %v; want a new certificate", saved.Made, err)
	}
	if _, err := f.keys.Token(p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("cached token after a new certificate: %v; want it gone", err)
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
		line  int
	}{
		{nil, "", 0},
		{[]string{"audience=x", "", " resource = y "}, "audience=x&resource=y", 0},
		{[]string{"a=1", "novalue"}, "", 2},
		{[]string{"=x"}, "", 1},
	}
	for _, tt := range tests {
		got, err := ParseParams(tt.lines)
		var pe *ParamError
		switch {
		case tt.line > 0 && (!errors.As(err, &pe) || pe.Line != tt.line):
			t.Errorf("%q: error %v; want one at line %d", tt.lines, err, tt.line)
		case tt.line == 0 && (err != nil || got.Encode() != tt.want):
			t.Errorf("%q: got %q, %v; want %q", tt.lines, got.Encode(), err, tt.want)
		}
	}
}

func TestDiffNamesOnlyWhatChanged(t *testing.T) {
	from := model.Profile{Name: "a", Env: "dev", Scopes: []string{"x"}, AuthStyle: "", TimeoutSeconds: 5}
	to := from
	to.AuthStyle = model.AuthAuto // the same style, spelled out
	to.Scopes = []string{"x"}
	if c := Diff(from, to); !isEmpty(c) {
		t.Errorf("Diff of equal profiles: %+v; want empty", c)
	}
	to.Env = "prod"
	c := Diff(from, to)
	if c.Env == nil || *c.Env != "prod" || c.Name != nil || c.Scopes != nil || c.TimeoutSeconds != nil {
		t.Errorf("Diff: %+v; want only env", c)
	}
}

func isEmpty(c Change) bool { return reflect.ValueOf(c).IsZero() }

func TestForgetToken(t *testing.T) {
	f := newFixture(t)
	p := f.add(t, "a")
	if _, err := f.keys.SetToken(p.ID, model.Token{AccessToken: "t", Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.ForgetToken(p); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.Token(p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("cached token after ForgetToken: %v; want not found", err)
	}
	if s, err := f.keys.ClientSecret(p.ID); err != nil || s != "secret-a" {
		t.Errorf("ForgetToken touched the secret: %v", err)
	}
}
