package storage

import (
	"context"
	"os"
	"path/filepath"
)

// newSystemStore starts connecting at once, in the background, where a
// session bus is there to connect to: the connection and session are three
// or four round trips that a command would otherwise wait for after
// reading its profiles. With no bus known, nothing starts one (D-Bus's
// autolaunch) until a command asks the keychain: `tokendesk --help` over
// ssh leaves no dbus-daemon behind.
func newSystemStore() SecretStore {
	s := &SecretService{}
	if busKnown() {
		go s.warm()
	}
	return s
}

// busKnown says whether a session bus is there without launching one: its
// address is set, or its socket is where systemd puts it.
func busKnown() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil
}

// warm opens the connection and session, if it can; a failure is not
// kept, so the first call tries again and reports it.
func (s *SecretService) warm() {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	_, _ = s.open(ctx)
}

// platformError is an error go-keyring did not name: on Linux, one from
// the Secret Service over D-Bus.
func platformError(err error) error { return ssError(err) }
