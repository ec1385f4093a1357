package core

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// TestSecretRefProfile: a profile whose secret is a reference is added
// without a secret, and nothing of it reaches the keychain; an edit
// switches it back to the keychain and forth.
func TestSecretRefProfile(t *testing.T) {
	for _, style := range []model.AuthStyle{model.AuthBody, model.AuthPrivateKeyJWT} {
		f := newFixture(t)
		c := Fields(model.Profile{Name: "r", TokenURL: "https://auth.example.com/token", ClientID: "c",
			AuthStyle: style, SecretRef: "op://Team/API/credential"})
		saved, err := f.desk.Add(c)
		if err != nil {
			t.Fatalf("%s: add with a reference: %v", style, err)
		}
		if got := f.load(t, saved.Profile.ID).SecretRef; got != "op://Team/API/credential" {
			t.Errorf("%s: stored reference %q", style, got)
		}
		if n := f.mem.Len(); n != 0 {
			t.Errorf("%s: the keychain holds %d entries; want none", style, n)
		}
	}

	f := newFixture(t)
	p := f.add(t, "k")
	if _, err := f.desk.Edit(p, Diff(p, withRef(p, "pass://team/api"))); err != nil {
		t.Fatal(err)
	}
	if got := f.load(t, p.ID).SecretRef; got != "pass://team/api" {
		t.Errorf("after switching to a reference: %q", got)
	}
	if _, err := f.desk.Edit(p, Change{SecretRef: new("")}); err != nil {
		t.Fatal(err)
	}
	if got := f.load(t, p.ID).SecretRef; got != "" {
		t.Errorf("after switching back: %q; want the keychain", got)
	}
	if _, err := f.desk.Edit(p, Change{SecretRef: new("op://bad")}); !errors.As(err, new(*InvalidError)) {
		t.Errorf("a bad reference: %v; want an InvalidError", err)
	}
}

func withRef(p model.Profile, ref string) model.Profile {
	p.SecretRef = ref
	return p
}

// TestTeamProfileIsReadOnly: a team profile is edited and deleted in its
// team file, not here.
func TestTeamProfileIsReadOnly(t *testing.T) {
	f := newFixture(t)
	team := filepath.Join(t.TempDir(), "team.json")
	data := `{"tokendeskProfiles": "1", "profiles": [{"name": "shared", "tokenUrl": "https://auth.example.com/token", "clientId": "c", "secretRef": "op://T/I/f"}]}`
	if err := os.WriteFile(team, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, team)
	file, err := f.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := file.ByName("shared")
	if err != nil {
		t.Fatal(err)
	}
	var te *TeamError
	if _, err := f.desk.Edit(p, Change{Notes: new("x")}); !errors.As(err, &te) || te.File != team {
		t.Errorf("edit: %v; want a TeamError naming %s", err, team)
	}
	if _, err := f.desk.Delete(p.ID); !errors.As(err, &te) {
		t.Errorf("delete: %v; want a TeamError", err)
	}
	// Its duplicate is the person's own.
	c := Fields(p)
	c.Name = new("shared copy")
	if _, err := f.desk.Add(c); err != nil {
		t.Errorf("duplicate: %v", err)
	}
}

// TestRefEditsRetireToken: a new reference for the secret or for a
// token-request header retires the cached token; a secret typed for a
// profile with a reference takes it back to the keychain.
func TestRefEditsRetireToken(t *testing.T) {
	f := newFixture(t)
	p := f.add(t, "a")
	cache := func() {
		t.Helper()
		if _, err := f.keys.SetToken(p.ID, model.Token{AccessToken: "tok", Fingerprint: p.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
	}
	hdr := []model.Header{{Name: "X-Key", Secret: true, TokenRequest: true, Ref: "op://T/GW/key"}}
	hdr2 := []model.Header{{Name: "X-Key", Secret: true, TokenRequest: true, Ref: "op://T/GW/key2"}}
	for _, c := range []Change{
		{SecretRef: new("op://T/API/credential")},
		{Headers: &hdr},
		{Headers: &hdr2},
	} {
		cache()
		if _, err := f.desk.Edit(p, c); err != nil {
			t.Fatal(err)
		}
		if _, err := f.keys.Token(p.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("after %+v: the cached token is still there (%v)", c, err)
		}
	}
	if _, err := f.desk.Edit(p, Change{Secret: "typed"}); err != nil {
		t.Fatal(err)
	}
	if got := f.load(t, p.ID).SecretRef; got != "" {
		t.Errorf("after a typed secret: reference %q; want the keychain", got)
	}
	if s, _ := f.keys.ClientSecret(p.ID); s != "typed" {
		t.Errorf("keychain secret %q; want the typed one", s)
	}
}
