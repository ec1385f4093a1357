package core

import (
	"errors"
	"testing"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// A removed profile leaves the file at once and keeps its keychain items
// until purged; Restore brings it back whole, Close purges what is left.
func TestRemoveRestorePurge(t *testing.T) {
	tests := []struct {
		name        string
		end         func(f *fixture, x *Deleted) error
		wantProfile bool
		wantSecret  bool
	}{
		{"restore", func(_ *fixture, x *Deleted) error { return x.Restore() }, true, true},
		{"purge", func(_ *fixture, x *Deleted) error { return x.Purge() }, false, false},
		{"close", func(f *fixture, _ *Deleted) error { return f.desk.Close() }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.add(t, "gone")
			x, err := f.desk.Remove(p.ID)
			if err != nil {
				t.Fatal(err)
			}
			file, _ := f.store.Load()
			if _, err := file.ByID(p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("after Remove the file still holds the profile: %v", err)
			}
			if s, err := f.keys.ClientSecret(p.ID); err != nil || s != "secret-gone" {
				t.Fatalf("after Remove the secret is %v; want it kept until purged", err)
			}
			if err := tt.end(f, x); err != nil {
				t.Fatal(err)
			}
			file, _ = f.store.Load()
			_, err = file.ByID(p.ID)
			if got := err == nil; got != tt.wantProfile {
				t.Errorf("profile in the file: got %v; want %v", got, tt.wantProfile)
			}
			_, err = f.keys.ClientSecret(p.ID)
			if got := err == nil; got != tt.wantSecret {
				t.Errorf("secret in the keychain: got %v; want %v", got, tt.wantSecret)
			}
			// Whatever ended it, the other way is closed now.
			if tt.wantProfile {
				if err := x.Purge(); err != nil {
					t.Errorf("purge after restore: %v", err)
				}
				if _, err := f.keys.ClientSecret(p.ID); err != nil {
					t.Error("a purge after restore removed the restored profile's secret")
				}
			} else if err := x.Restore(); !errors.Is(err, ErrPurged) {
				t.Errorf("restore after purge: got %v; want ErrPurged", err)
			}
		})
	}
}

func TestRestoreRefusesTakenName(t *testing.T) {
	f := newFixture(t)
	p := f.add(t, "a")
	x, err := f.desk.Remove(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.add(t, "a")
	var taken *NameTakenError
	if err := x.Restore(); !errors.As(err, &taken) {
		t.Fatalf("restore over a taken name: got %v; want *NameTakenError", err)
	}
	if _, err := f.keys.ClientSecret(p.ID); err != nil {
		t.Error("a refused restore lost the secret")
	}
}

// A copy has the source's settings with the change applied, a new ID, and
// only the secret given for it.
func TestDuplicate(t *testing.T) {
	f := newFixture(t)
	src := f.add(t, "api-staging")
	if _, err := f.desk.Edit(src, Change{Env: new("staging"), Scopes: &[]string{"read"}, BaseURL: new("https://api.example.com/")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		c       Change
		wantErr error
	}{
		{"no secret", Change{Name: new("api-prod")}, ErrSecretRequired},
		{"gone", Change{Name: new("x"), Secret: "s"}, ErrGone},
		{"copied", Change{Name: new("api-prod"), Env: new("prod"), TokenURL: new("https://prod.example.com/token"), Secret: "prod-secret"}, nil},
	}
	for _, tt := range tests {
		id := src.ID
		if tt.name == "gone" {
			id = "no-such-id"
		}
		saved, err := f.desk.Duplicate(id, tt.c)
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("%s: got %v; want %v", tt.name, err, tt.wantErr)
		}
		if err != nil {
			continue
		}
		p := f.load(t, saved.Profile.ID)
		if p.ID == src.ID || p.Name != "api-prod" || p.Env != "prod" || p.TokenURL != "https://prod.example.com/token" ||
			p.BaseURL != "https://api.example.com/" || len(p.Scopes) != 1 || p.ClientID != "cid-api-staging" {
			t.Errorf("copy %+v", p)
		}
		if s, _ := f.keys.ClientSecret(p.ID); s != "prod-secret" {
			t.Errorf("copy's secret %q; want the one given", s)
		}
		if s, _ := f.keys.ClientSecret(src.ID); s != "secret-api-staging" {
			t.Errorf("source's secret %q; want it untouched", s)
		}
	}
}

func TestDuplicateAsksSecretHeaderValues(t *testing.T) {
	f := newFixture(t)
	src := f.add(t, "gw")
	hs := []model.Header{{Name: "X-Api-Key", Value: "k1", Secret: true}}
	if _, err := f.desk.Edit(src, Change{Headers: &hs}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Duplicate(src.ID, Change{Name: new("gw2"), Secret: "s"}); !errors.Is(err, ErrHeaderValueRequired) {
		t.Errorf("copy without the header's value: got %v; want ErrHeaderValueRequired", err)
	}
	withValue := []model.Header{{Name: "X-Api-Key", Value: "k2", Secret: true}}
	saved, err := f.desk.Duplicate(src.ID, Change{Name: new("gw2"), Secret: "s", Headers: &withValue})
	if err != nil {
		t.Fatal(err)
	}
	if vals, _ := f.keys.HeaderValues(saved.Profile.ID); vals["X-Api-Key"] != "k2" {
		t.Errorf("copy's header values %v", len(vals))
	}
}
