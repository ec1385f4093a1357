package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	ss "github.com/zalando/go-keyring/secret_service"
)

// SecretService is a SecretStore over the freedesktop Secret Service
// (gnome-keyring, KeePassXC), on go-keyring's secret_service connection
// and types. It files items where and as go-keyring does, so each reads
// what the other wrote. go-keyring's Get opens a session per call (seven
// round trips); this keeps one session per process, so a read is two
// round trips (bench/RESULTS.md: the keychain was most of a cached
// `tokendesk token`). When the provider goes away or appears
// (gnome-keyring restarted, KeePassXC closed and opened), the next call
// opens a new session. The zero value is ready to use; it is safe for
// concurrent use.
type SecretService struct {
	// Timeout bounds every call, so a provider waiting on its own unlock
	// dialog cannot hang the app. Zero means 10 seconds.
	Timeout time.Duration

	mu  sync.Mutex
	svc *ss.SecretService
	// sess is the session, opened or being opened; nil until asked for,
	// and after the provider left. gen counts the sessions opened.
	sess *session
	gen  int
	// items remembers for a moment where a user's item was found, so
	// that a write just after a read (a refresh's new token) need not
	// search for it again.
	items map[string]foundItem
}

// session is a Secret Service session being opened: a search needs none,
// so it goes out meanwhile; reading or writing a secret waits for it.
type session struct {
	done chan struct{}
	path dbus.ObjectPath
	gen  int
	err  error
}

// foundItem is where a user's item was, in which session, and when.
type foundItem struct {
	path dbus.ObjectPath
	gen  int
	at   time.Time
}

// itemFor is how long a found item's path stands in for a new search. A
// provider gives a deleted item's path to no other (gnome-keyring numbers
// items on), and one that restarted has ended the session the path was
// found in, which a new session's generation tells.
const itemFor = 2 * time.Second

const (
	ssName       = "org.freedesktop.secrets"
	ssPath       = dbus.ObjectPath("/org/freedesktop/secrets")
	ssService    = "org.freedesktop.Secret.Service"
	ssCollection = "org.freedesktop.Secret.Collection"
	ssItem       = "org.freedesktop.Secret.Item"
	ssDefault    = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	ssLogin      = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	ssNoPrompt   = dbus.ObjectPath("/")
)

// D-Bus error names the Secret Service and the bus answer with.
const (
	errIsLocked       = "org.freedesktop.Secret.Error.IsLocked"
	errNoSession      = "org.freedesktop.Secret.Error.NoSession"
	errNoSuchObject   = "org.freedesktop.Secret.Error.NoSuchObject"
	errServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNoOwner        = "org.freedesktop.DBus.Error.NameHasNoOwner"
	errNoReply        = "org.freedesktop.DBus.Error.NoReply"
	errDisconnected   = "org.freedesktop.DBus.Error.Disconnected"
	errUnknownObject  = "org.freedesktop.DBus.Error.UnknownObject"
	errUnknownMethod  = "org.freedesktop.DBus.Error.UnknownMethod"
	errAccessDenied   = "org.freedesktop.DBus.Error.AccessDenied"
	errAuthFailed     = "org.freedesktop.DBus.Error.AuthFailed"
	errLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded"
	errSpawnPrefix    = "org.freedesktop.DBus.Error.Spawn."
)

func (s *SecretService) timeout() time.Duration {
	if s.Timeout == 0 {
		return 10 * time.Second
	}
	return s.Timeout
}

// op is one call's view of the connection: the session it was opened
// with, and the deadline every D-Bus call of it keeps.
type op struct {
	ctx  context.Context
	s    *SecretService
	svc  *ss.SecretService
	sess *session
}

// session waits for o's session to be open and returns it.
func (o *op) session() (dbus.ObjectPath, error) {
	select {
	case <-o.sess.done:
		return o.sess.path, o.sess.err
	case <-o.ctx.Done():
		return "", o.ctx.Err()
	}
}

// call is a method call bounded by o's deadline; one that times out is
// dropped from the connection, not left pending. go-keyring's methods call
// without a context and wait on prompts without end, and its SearchItems
// searches one collection, which a reading process would first have to
// choose (a fourth round trip where this takes three, see
// BenchmarkSystemStoreFirstGet); so the calls go through here, on its
// connection.
func (o *op) call(path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return o.svc.Object(ssName, path).CallWithContext(o.ctx, method, 0, args...)
}

// open returns the connection, connecting if there is none yet, and the
// session, which it starts opening if there is none; a failure is not
// kept, so the next call tries again.
func (s *SecretService) open(ctx context.Context) (*op, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.svc != nil && !s.svc.Connected() {
		s.svc, s.sess = nil, nil
	}
	if s.svc == nil {
		svc, err := ss.NewSecretService()
		if err != nil {
			return nil, &keychainError{kind: ErrKeychainUnavailable, cause: err}
		}
		s.svc = svc
	}
	if s.sess == nil {
		s.gen++
		s.sess = &session{done: make(chan struct{}), gen: s.gen}
		go s.openSession(s.svc, s.sess)
	}
	return &op{ctx: ctx, s: s, svc: s.svc, sess: s.sess}, nil
}

// openSession opens sess on svc, within the timeout of its own: it
// serves every call that waits for it.
func (s *SecretService) openSession(svc *ss.SecretService, sess *session) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	var out dbus.Variant
	sess.err = svc.Object(ssName, ssPath).CallWithContext(ctx, ssService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &sess.path)
	if sess.err != nil {
		s.mu.Lock()
		if s.sess == sess {
			s.sess = nil
		}
		s.mu.Unlock()
	}
	close(sess.done)
}

// forget drops the session o used, so the next call opens a new one.
func (s *SecretService) forget(o *op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == o.sess {
		s.sess = nil
	}
}

// found remembers that user's item is at path, in o's session; "" forgets
// it.
func (o *op) found(user string, path dbus.ObjectPath) {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == "" {
		delete(s.items, user)
		return
	}
	if s.items == nil {
		s.items = map[string]foundItem{}
	}
	s.items[user] = foundItem{path: path, gen: o.sess.gen, at: time.Now()}
}

// known returns where user's item was found a moment ago in o's session,
// or "". It is used once.
func (o *op) known(user string) dbus.ObjectPath {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[user]
	delete(s.items, user)
	if !ok || it.gen != o.sess.gen || time.Since(it.at) > itemFor {
		return ""
	}
	return it.path
}

// do runs fn within the timeout. When the provider left or was replaced
// since the session was opened, it opens a new session and runs fn once
// more.
func (s *SecretService) do(fn func(*op) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	for retried := false; ; retried = true {
		o, err := s.open(ctx)
		if err != nil {
			return ssError(err)
		}
		err = fn(o)
		if err != nil && !retried && gone(err) {
			s.forget(o)
			continue
		}
		return ssError(err)
	}
}

func attrs(user string) map[string]string {
	return map[string]string{"service": Service, "username": user}
}

// find returns the item filed under user, in any collection, unlocked.
func (o *op) find(user string) (dbus.ObjectPath, error) {
	var unlocked, locked []dbus.ObjectPath
	if err := o.call(ssPath, ssService+".SearchItems", attrs(user)).Store(&unlocked, &locked); err != nil {
		return "", err
	}
	if len(unlocked) > 0 {
		o.found(user, unlocked[0])
		return unlocked[0], nil
	}
	if len(locked) == 0 {
		return "", ErrNotFound
	}
	if err := o.unlock(locked[0]); err != nil {
		return "", err
	}
	o.found(user, locked[0])
	return locked[0], nil
}

// unlock asks the service to unlock obj; one that needs a prompt counts as
// locked, since a command line cannot answer it.
func (o *op) unlock(obj dbus.ObjectPath) error {
	var done []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := o.call(ssPath, ssService+".Unlock", []dbus.ObjectPath{obj}).Store(&done, &prompt); err != nil {
		return err
	}
	if len(done) == 0 && prompt != ssNoPrompt {
		return ErrKeychainLocked
	}
	return nil
}

// retryUnlocked runs fn again after unlocking obj when fn found it locked.
func (o *op) retryUnlocked(obj dbus.ObjectPath, fn func() error) error {
	err := fn()
	if dbusName(err) != errIsLocked {
		return err
	}
	if err := o.unlock(obj); err != nil {
		return err
	}
	return fn()
}

// Get returns the value filed under user.
func (s *SecretService) Get(user string) (string, error) {
	var sec ss.Secret
	err := s.do(func(o *op) error {
		item, err := o.find(user)
		if err != nil {
			return err
		}
		sess, err := o.session()
		if err != nil {
			return err
		}
		return o.retryUnlocked(item, func() error {
			return o.call(item, ssItem+".GetSecret", sess).Store(&sec)
		})
	})
	return string(sec.Value), err
}

// Set files value under user, replacing what was there: a new secret for
// the item filed under user, else a new item. (Replacing the item,
// CreateItem's way, costs gnome-keyring two writes of its file where a
// new secret costs one: the most of a refreshing CLI process's time.)
func (s *SecretService) Set(user, value string) error {
	return s.do(func(o *op) error {
		item, sess, err := o.target(user, value)
		if item == "" || err != nil {
			return err
		}
		err = o.retryUnlocked(item, func() error {
			return o.call(item, ssItem+".SetSecret", ss.NewSecret(sess, value)).Err
		})
		// Deleted meanwhile (gnome-keyring: no object at the path, so no
		// method).
		if n := dbusName(err); n == errNoSuchObject || n == errUnknownObject || n == errUnknownMethod {
			return o.create(user, value)
		}
		return err
	})
}

// Send files value under user as Set does, except that the new secret of
// an item already filed goes out without waiting for the answer: when
// Send returns, the request is on its way to the Secret Service and stands
// even if this process exits next, but whether it filed the value is not
// learned. An item deleted, locked or left in a session that ended (the
// keyring restarted) since it was found keeps its old value, and another
// process that reads at once may still get the old value: fit only for a
// value that can be fetched again, an access token. A new item is waited
// for, as by Set.
func (s *SecretService) Send(user, value string) error {
	return s.do(func(o *op) error {
		item, sess, err := o.target(user, value)
		if item == "" || err != nil {
			return err
		}
		return o.svc.Object(ssName, item).CallWithContext(o.ctx, ssItem+".SetSecret", dbus.FlagNoReplyExpected, ss.NewSecret(sess, value)).Err
	})
}

// target is the item filed under user, to take value as its new secret,
// and the session to send it in: the item a read has just found, else
// the one a search finds. With none filed, it files value as a new item
// and returns no item.
func (o *op) target(user, value string) (item, sess dbus.ObjectPath, err error) {
	if item = o.known(user); item == "" {
		item, err = o.find(user)
		if errors.Is(err, ErrNotFound) {
			return "", "", o.create(user, value)
		}
		if err != nil {
			return "", "", err
		}
	}
	sess, err = o.session()
	if err != nil {
		return "", "", err
	}
	return item, sess, nil
}

// create files value under user as a new item, replacing any other.
func (o *op) create(user, value string) error {
	props := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, Service)),
		ssItem + ".Attributes": dbus.MakeVariant(attrs(user)),
	}
	sess, err := o.session()
	if err != nil {
		return err
	}
	sec := ss.NewSecret(sess, value)
	create := func(coll dbus.ObjectPath) error {
		return o.retryUnlocked(coll, func() error {
			var item, prompt dbus.ObjectPath
			if err := o.call(coll, ssCollection+".CreateItem", props, sec, true).Store(&item, &prompt); err != nil {
				return err
			}
			if prompt != ssNoPrompt {
				return ErrKeychainLocked
			}
			return nil
		})
	}
	// The default alias first, with no round trip to look it up; the
	// login collection, as go-keyring chooses, where there is no default
	// alias.
	err = create(ssDefault)
	if n := dbusName(err); n == errNoSuchObject || n == errUnknownObject {
		err = create(ssLogin)
	}
	return err
}

// Delete removes what is filed under user, in every collection that holds it.
func (s *SecretService) Delete(user string) error {
	return s.do(func(o *op) error {
		// Every copy: one left in another collection would be what the
		// next read finds (a sign-out must leave no refresh token behind).
		for n := 0; n < maxCopies; n++ {
			item, err := o.find(user)
			if errors.Is(err, ErrNotFound) && n > 0 {
				return nil
			}
			if err != nil {
				return err
			}
			err = o.retryUnlocked(item, func() error {
				var prompt dbus.ObjectPath
				if err := o.call(item, ssItem+".Delete").Store(&prompt); err != nil {
					return err
				}
				o.found(user, "")
				if prompt != ssNoPrompt {
					return ErrKeychainLocked
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// maxCopies bounds the copies of one item Delete removes: a keychain that
// keeps answering with one it says it deleted is not asked for ever.
const maxCopies = 8

// dbusName is the D-Bus error name of err, or "".
func dbusName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) && dp != nil {
		return dp.Name
	}
	return ""
}

// gone says err means the session is no longer the provider's: it left,
// was replaced, or the connection closed.
func gone(err error) bool {
	if errors.Is(err, dbus.ErrClosed) {
		return true
	}
	switch dbusName(err) {
	case errNoSession, errUnknownObject, errUnknownMethod, errServiceUnknown, errNoOwner, errNoReply, errDisconnected:
		return true
	}
	return false
}

// ssError maps a Secret Service failure to the cause a person can act on,
// by the D-Bus error's name.
func ssError(err error) error {
	var ke *keychainError
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.As(err, &ke):
		return err
	case errors.Is(err, ErrKeychainLocked):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout(err)
	case errors.Is(err, dbus.ErrClosed):
		return &keychainError{kind: ErrKeychainUnavailable, cause: err}
	}
	name := dbusName(err)
	switch {
	case name == errIsLocked:
		return &keychainError{kind: ErrKeychainLocked, cause: err}
	case name == errNoSuchObject:
		return ErrNotFound
	case name == errServiceUnknown, name == errNoOwner, name == errNoReply, name == errDisconnected,
		strings.HasPrefix(name, errSpawnPrefix):
		return &keychainError{kind: ErrKeychainUnavailable, cause: err}
	case name == errAccessDenied, name == errAuthFailed:
		return &keychainError{kind: ErrKeychainRefused, cause: err}
	case name == errLimitsExceeded:
		return &keychainError{kind: ErrTooLarge, cause: err}
	case name != "":
		// Unknown to us: the provider's own words, without the D-Bus name.
		return &keychainError{kind: errKeychain, cause: err, text: "keychain: " + dbusText(err)}
	}
	return fmt.Errorf("keychain: %w", err)
}

// errKeychain is the kind of a keychain failure with no better name.
var errKeychain = errors.New("keychain error")

// dbusText is the human part of a D-Bus error.
func dbusText(err error) string {
	var de dbus.Error
	if errors.As(err, &de) && len(de.Body) > 0 {
		if s, ok := de.Body[0].(string); ok && s != "" {
			return s
		}
	}
	return "the Secret Service failed"
}
