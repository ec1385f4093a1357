package integration

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/tokendesk/tokendesk/internal/keyringtest"
)

// fakeSecrets is a Secret Service whose only item is locked and needs a
// person at a prompt to unlock. (The storage package's tests cover the
// store itself against such fakes.)
type fakeSecrets struct{}

const fakeItem = dbus.ObjectPath("/org/freedesktop/secrets/collection/login/1")

func (fakeSecrets) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (fakeSecrets) Unlock(objs []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	return nil, "/org/freedesktop/secrets/prompt/1", nil // unlocking needs a person at a prompt
}

func (fakeSecrets) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	return nil, []dbus.ObjectPath{fakeItem}, nil
}

func serveFake(t *testing.T, addr string) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Export(fakeSecrets{}, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the secrets name: %v %v", reply, err)
	}
}

// TestLockedKeychain: through the CLI, as a person meets it, a keychain
// that wants an unlock prompt gives a clear "unlock it" error rather than
// waiting.
func TestLockedKeychain(t *testing.T) {
	need(t)
	addr := keyringtest.PrivateBus(t)
	serveFake(t, addr)
	cfg := t.TempDir()
	ok(t, cfg, "s\n", "add", "p", "--token-url", env.tokenURL, "--client-id", "c")
	r := cliEnv(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + addr}, cfg, "", "token", "p")
	if r.code != 1 || !strings.Contains(r.stderr, "keychain is locked") || strings.Contains(r.stderr, "org.freedesktop") {
		t.Errorf("CLI on a locked keychain: exit %d, %q", r.code, r.stderr)
	}
}
