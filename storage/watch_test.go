package storage

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// Caching a token leaves a marker naming its profile; forgetting it removes
// the marker; other secrets leave none.
func TestMarkTokens(t *testing.T) {
	tests := []struct {
		name string
		do   func(k *Keychain) error
		want []string // profiles with a marker afterwards
	}{
		{"token cached", func(k *Keychain) error {
			_, err := k.SetToken("p1", model.Token{AccessToken: "a"})
			return err
		}, []string{"p1"}},
		{"token forgotten", func(k *Keychain) error {
			if _, err := k.SetToken("p1", model.Token{AccessToken: "a"}); err != nil {
				return err
			}
			return k.DeleteToken("p1")
		}, nil},
		{"profile removed", func(k *Keychain) error {
			if _, err := k.SetToken("p1", model.Token{AccessToken: "a"}); err != nil {
				return err
			}
			return k.Forget("p1")
		}, nil},
		{"client secret stored", func(k *Keychain) error { return k.SetClientSecret("p1", "s") }, nil},
		{"an ID that is no file name", func(k *Keychain) error {
			_, err := k.SetToken("../x/y", model.Token{AccessToken: "a"})
			return err
		}, []string{"../x/y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			k := NewKeychain(MarkTokens(&MemoryStore{}, dir))
			if err := tt.do(k); err != nil {
				t.Fatal(err)
			}
			var got []string
			entries, err := os.ReadDir(filepath.Join(dir, MarksDir))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for _, e := range entries {
				id, ok := MarkedProfile(e.Name())
				if !ok {
					t.Errorf("%s in %s is no marker", e.Name(), MarksDir)
				}
				got = append(got, id)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("markers for %q; want %q", got, tt.want)
			}
			if all, _ := os.ReadDir(dir); len(all) > 1 {
				t.Errorf("%d entries in the config directory; want only %s", len(all), MarksDir)
			}
		})
	}
}

// The marking wrapper keeps the keychain listable, so `repair` still finds
// orphans through the store both faces build.
func TestMarkTokensStillLists(t *testing.T) {
	mem := &MemoryStore{}
	k := NewKeychain(MarkTokens(mem, t.TempDir()))
	if err := k.SetClientSecret("p1", "s"); err != nil {
		t.Fatal(err)
	}
	es, err := k.Entries()
	if err != nil {
		t.Fatalf("Entries through MarkTokens: %v; want the store's list", err)
	}
	if len(es) != 1 {
		t.Errorf("got %d entries; want 1", len(es))
	}
}

// TestWriteStamp: a stamp written over an older, longer or shorter one is
// the time alone, and reads back as a time.
func TestWriteStamp(t *testing.T) {
	for _, old := range []string{"", "x", "2026-12-01T16:26:36.5671Z\n", "2026-12-01T16:26:36.567151196+00:00 and more than a stamp\n"} {
		path := filepath.Join(t.TempDir(), "stamp")
		if old != "" {
			if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		before := time.Now()
		if err := writeStamp(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(string(b), "\n"))
		if err != nil || got.Before(before.Add(-time.Second)) || len(b) != len(stampLayout)-len("Z07:00")+len("Z")+1 {
			t.Errorf("over %q: got %q, %v; want the time now alone", old, b, err)
		}
	}
}
