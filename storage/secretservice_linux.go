package storage

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// SecretService is a SecretStore that speaks the freedesktop Secret Service
// API (gnome-keyring, KeePassXC) directly over D-Bus. It files items exactly
// as go-keyring does (attributes "service" and "username", in the default
// collection), so either can read what the other wrote, but needs three
// round trips for a read where go-keyring takes seven, and reuses one
// session per process: measured, a keychain read and write were most of a
// `tokendesk token` (bench/RESULTS.md).
type SecretService struct {
	// Timeout bounds every call; zero means 10 seconds.
	Timeout time.Duration
	// Address is the D-Bus to use; empty means the session bus.
	Address string

	once    sync.Once
	conn    *dbus.Conn
	session dbus.ObjectPath
	err     error
}

const (
	ssName        = "org.freedesktop.secrets"
	ssPath        = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService     = "org.freedesktop.Secret.Service"
	ssCollection  = "org.freedesktop.Secret.Collection"
	ssItem        = "org.freedesktop.Secret.Item"
	ssDefault     = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	ssLogin       = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	ssNoPrompt    = dbus.ObjectPath("/")
	errIsLocked   = "org.freedesktop.Secret.Error.IsLocked"
	errNoSuchItem = "org.freedesktop.Secret.Error.NoSuchObject"
)

// secret is the Secret Service's (oayays) struct.
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

func (s *SecretService) timeout() time.Duration {
	if s.Timeout == 0 {
		return 10 * time.Second
	}
	return s.Timeout
}

// open connects to the session bus and opens a plain session, once.
func (s *SecretService) open() error {
	s.once.Do(func() {
		if s.Address != "" {
			s.conn, s.err = dbus.Connect(s.Address)
		} else {
			s.conn, s.err = dbus.SessionBus()
		}
		if s.err != nil {
			s.err = fmt.Errorf("%w (%v)", ErrKeychainUnavailable, s.err)
			return
		}
		var out dbus.Variant
		s.err = s.call(s.conn.Object(ssName, ssPath), ssService+".OpenSession", "plain", dbus.MakeVariant("")).Store(&out, &s.session)
		if s.err != nil {
			s.err = ssError(s.err)
		}
	})
	return s.err
}

func (s *SecretService) call(obj dbus.BusObject, method string, args ...any) *dbus.Call {
	c := obj.Go(method, 0, make(chan *dbus.Call, 1), args...)
	select {
	case <-c.Done:
		return c
	case <-time.After(s.timeout()):
		return &dbus.Call{Err: ErrKeychainLocked}
	}
}

func (s *SecretService) service() dbus.BusObject { return s.conn.Object(ssName, ssPath) }

func attrs(user string) map[string]string {
	return map[string]string{"service": Service, "username": user}
}

// find returns the item filed under user, unlocked.
func (s *SecretService) find(user string) (dbus.ObjectPath, error) {
	var unlocked, locked []dbus.ObjectPath
	if err := s.call(s.service(), ssService+".SearchItems", attrs(user)).Store(&unlocked, &locked); err != nil {
		return "", ssError(err)
	}
	if len(unlocked) > 0 {
		return unlocked[0], nil
	}
	if len(locked) == 0 {
		return "", ErrNotFound
	}
	if err := s.unlock(locked[0]); err != nil {
		return "", err
	}
	return locked[0], nil
}

// unlock asks the service to unlock obj; one that needs a prompt counts as
// locked, since a command line cannot answer it.
func (s *SecretService) unlock(obj dbus.ObjectPath) error {
	var done []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.call(s.service(), ssService+".Unlock", []dbus.ObjectPath{obj}).Store(&done, &prompt); err != nil {
		return ssError(err)
	}
	if len(done) == 0 && prompt != ssNoPrompt {
		return ErrKeychainLocked
	}
	return nil
}

// Get returns the value filed under user.
func (s *SecretService) Get(user string) (string, error) {
	if err := s.open(); err != nil {
		return "", err
	}
	item, err := s.find(user)
	if err != nil {
		return "", err
	}
	var sec secret
	if err := s.call(s.conn.Object(ssName, item), ssItem+".GetSecret", s.session).Store(&sec); err != nil {
		return "", ssError(err)
	}
	return string(sec.Value), nil
}

// Set files value under user, replacing what was there.
func (s *SecretService) Set(user, value string) error {
	if err := s.open(); err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, Service)),
		ssItem + ".Attributes": dbus.MakeVariant(attrs(user)),
	}
	sec := secret{Session: s.session, Value: []byte(value), ContentType: "text/plain"}
	create := func(coll dbus.ObjectPath) error {
		var item, prompt dbus.ObjectPath
		return s.call(s.conn.Object(ssName, coll), ssCollection+".CreateItem", props, sec, true).Store(&item, &prompt)
	}
	coll := ssDefault
	err := create(coll)
	var de dbus.Error
	if errors.As(err, &de) && de.Name == errNoSuchItem {
		coll = ssLogin // no default alias: the login collection, as go-keyring does
		err = create(coll)
	}
	if errors.As(err, &de) && de.Name == errIsLocked {
		if err := s.unlock(coll); err != nil {
			return err
		}
		err = create(coll)
	}
	return ssError(err)
}

// Delete removes what is filed under user.
func (s *SecretService) Delete(user string) error {
	if err := s.open(); err != nil {
		return err
	}
	item, err := s.find(user)
	if err != nil {
		return err
	}
	var prompt dbus.ObjectPath
	return ssError(s.call(s.conn.Object(ssName, item), ssItem+".Delete").Store(&prompt))
}

func ssError(err error) error {
	if err == nil || errors.Is(err, ErrKeychainLocked) || errors.Is(err, ErrKeychainUnavailable) {
		return err
	}
	var de dbus.Error
	if errors.As(err, &de) {
		switch {
		case de.Name == errIsLocked:
			return ErrKeychainLocked
		case strings.HasPrefix(de.Name, "org.freedesktop.DBus.Error.ServiceUnknown"), strings.HasPrefix(de.Name, "org.freedesktop.DBus.Error.NameHasNoOwner"):
			return fmt.Errorf("%w (%s)", ErrKeychainUnavailable, de.Name)
		}
	}
	return keyringError(err)
}
