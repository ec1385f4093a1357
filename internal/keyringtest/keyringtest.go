// Package keyringtest drives the real gnome-keyring that scripts/with-keyring
// runs on a private session bus, for tests: kill it, start it again, lock
// its default collection.
package keyringtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Password unlocks the login keyring of scripts/with-keyring.
const Password = "throwaway-password"

const name = "org.freedesktop.secrets"

// Under says whether the test runs under scripts/with-keyring.
func Under() bool { return os.Getenv("TOKENDESK_IN_KEYRING") != "" }

// Conn is a connection of the test's own to the session bus, apart from
// the code under test's.
func Conn(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// WaitOwner waits until the Secret Service name has an owner (want) or
// has none, polling the bus a bounded number of times.
func WaitOwner(t testing.TB, conn *dbus.Conn, want bool) {
	t.Helper()
	for range 1000 {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
			t.Fatal(err)
		}
		if has == want {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling the condition, bounded above
	}
	t.Fatalf("the Secret Service name never had owner=%v", want)
}

// Kill kills the process that owns the Secret Service name, as a crash
// would, and waits until the name is free.
func Kill(t testing.TB, conn *dbus.Conn) {
	t.Helper()
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		t.Fatal(err)
	}
	proc, err := os.FindProcess(int(pid))
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	WaitOwner(t, conn, false)
}

// Start starts gnome-keyring-daemon with its login keyring unlocked
// (replacing one that runs) and waits until it owns the Secret Service
// name. It lives until the session bus ends.
func Start(t testing.TB, conn *dbus.Conn) {
	t.Helper()
	cmd := exec.Command("gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets")
	cmd.Stdin = strings.NewReader(Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gnome-keyring-daemon: %v\n%s", err, out)
	}
	WaitOwner(t, conn, true)
}

// Lock locks the default collection, which needs no prompt; Start
// unlocks it again.
func Lock(t testing.TB, conn *dbus.Conn) {
	t.Helper()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err := conn.Object(name, "/org/freedesktop/secrets").Call("org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{"/org/freedesktop/secrets/aliases/default"}).Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("lock: %v, %v", locked, err)
	}
}

// PrivateBus starts a D-Bus daemon that activates nothing and returns its
// address.
func PrivateBus(t testing.TB) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "bus.conf")
	if err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`), 0o600); err != nil {
		t.Fatal(err)
	}
	bus := exec.Command("dbus-daemon", "--config-file="+conf, "--print-address=1", "--nofork")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Process.Kill(); _ = bus.Wait() })
	buf := make([]byte, 512)
	n, err := out.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(buf[:n]))
}
