package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
	"github.com/zalando/go-keyring"
)

// TestSecretServiceMatchesGoKeyring: the direct Secret Service client and
// go-keyring file items the same way, so each reads what the other wrote
// (a keychain shared with builds for other platforms' code paths).
func TestSecretServiceMatchesGoKeyring(t *testing.T) {
	need(t)
	ss := storage.NewSystemStore()
	user := "it-interop/" + strings.ReplaceAll(t.Name(), "/", "-")
	t.Cleanup(func() { _ = keyring.Delete(storage.Service, user) })

	if err := ss.Set(user, "from-ours"); err != nil {
		t.Fatal(err)
	}
	if got, err := keyring.Get(storage.Service, user); err != nil || got != "from-ours" {
		t.Errorf("go-keyring read %q, %v", got, err)
	}
	if err := keyring.Set(storage.Service, user, "from-go-keyring"); err != nil {
		t.Fatal(err)
	}
	if got, err := ss.Get(user); err != nil || got != "from-go-keyring" {
		t.Errorf("ours read %q, %v", got, err)
	}
	// Set replaces rather than adding a second item.
	if err := ss.Set(user, "replaced"); err != nil {
		t.Fatal(err)
	}
	if got, _ := keyring.Get(storage.Service, user); got != "replaced" {
		t.Errorf("after replace go-keyring read %q", got)
	}
	if err := ss.Delete(user); err != nil {
		t.Fatal(err)
	}
	if _, err := ss.Get(user); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after delete: %v; want ErrNotFound", err)
	}
	if _, err := keyring.Get(storage.Service, user); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("go-keyring after delete: %v", err)
	}
	if err := ss.Delete(user); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleting twice: %v; want ErrNotFound", err)
	}
}

// TestKeychainRoundTrip stores a secret and a large token through the
// Keychain wrapper over the real keychain.
func TestKeychainRoundTrip(t *testing.T) {
	need(t)
	k := storage.NewKeychain(storage.NewSystemStore())
	id := "it-roundtrip"
	t.Cleanup(func() { _ = k.Forget(id) })
	if err := k.SetClientSecret(id, "sécret with spaces & ünïcode"); err != nil {
		t.Fatal(err)
	}
	if got, err := k.ClientSecret(id); err != nil || got != "sécret with spaces & ünïcode" {
		t.Errorf("secret %q, %v", got, err)
	}
	big := model.Token{AccessToken: strings.Repeat("a", 16<<10), Fingerprint: "fp"}
	if memOnly, err := k.SetToken(id, big); err != nil || memOnly {
		t.Fatalf("a 16 KiB token: memoryOnly=%v, %v", memOnly, err)
	}
	if got, err := k.Token(id); err != nil || got.AccessToken != big.AccessToken {
		t.Errorf("token back: %v", err)
	}
}
