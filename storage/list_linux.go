package storage

import (
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// List names every user filed under Service in the Secret Service, locked
// collections included (an item's attributes can be read without
// unlocking it).
func (s *SecretService) List() ([]string, error) { return listSecretService(s.Address, s.Timeout) }

// List names every user filed under Service; go-keyring files items in
// the Secret Service on Linux.
func (k Keyring) List() ([]string, error) { return listSecretService("", k.Timeout) }

// listSecretService searches the Secret Service by the attribute every
// Token Desk item carries and reads each item's user name. It keeps to
// its own calls so that it does not depend on how SecretService talks.
func listSecretService(address string, timeout time.Duration) ([]string, error) {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var conn *dbus.Conn
	var err error
	if address != "" {
		if conn, err = dbus.Connect(address); err == nil {
			defer conn.Close()
		}
	} else {
		conn, err = dbus.SessionBus() // shared; not closed
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrKeychainUnavailable, err)
	}
	call := func(obj dbus.BusObject, method string, args ...any) *dbus.Call {
		c := obj.Go(method, 0, make(chan *dbus.Call, 1), args...)
		select {
		case <-c.Done:
			return c
		case <-time.After(timeout):
			return &dbus.Call{Err: ErrKeychainLocked}
		}
	}
	const name = "org.freedesktop.secrets"
	var unlocked, locked []dbus.ObjectPath
	err = call(conn.Object(name, "/org/freedesktop/secrets"), "org.freedesktop.Secret.Service.SearchItems", map[string]string{"service": Service}).Store(&unlocked, &locked)
	if err != nil {
		return nil, listError(err)
	}
	var users []string
	for _, item := range append(unlocked, locked...) {
		var v dbus.Variant
		if err := call(conn.Object(name, item), "org.freedesktop.DBus.Properties.Get", "org.freedesktop.Secret.Item", "Attributes").Store(&v); err != nil {
			return nil, listError(err)
		}
		attrs, _ := v.Value().(map[string]string)
		if u := attrs["username"]; u != "" {
			users = append(users, u)
		}
	}
	return users, nil
}

// listError names a Secret Service that is not running for what it is.
func listError(err error) error {
	var de dbus.Error
	if errors.As(err, &de) && (de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
		return fmt.Errorf("%w (%s)", ErrKeychainUnavailable, de.Name)
	}
	if errors.Is(err, ErrKeychainLocked) {
		return err
	}
	return fmt.Errorf("list keychain items: %w", err)
}
