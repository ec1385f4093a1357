package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/tokendesk/tokendesk/internal/keyringtest"
	"github.com/tokendesk/tokendesk/model"
)

// TestSSErrorNames: D-Bus errors map by name to the cause a person can act
// on, and the words never show D-Bus internals.
func TestSSErrorNames(t *testing.T) {
	words := []any{"the provider's words"}
	tests := []struct {
		err  error
		want error
		text string
	}{
		{dbus.Error{Name: errIsLocked, Body: words}, ErrKeychainLocked, "locked"},
		{dbus.Error{Name: errServiceUnknown, Body: words}, ErrKeychainUnavailable, "none is running"},
		{dbus.Error{Name: errNoOwner, Body: words}, ErrKeychainUnavailable, "none is running"},
		{dbus.Error{Name: errNoReply, Body: words}, ErrKeychainUnavailable, "none is running"},
		{dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited", Body: words}, ErrKeychainUnavailable, "none is running"},
		{dbus.Error{Name: errAccessDenied, Body: words}, ErrKeychainRefused, "refused access"},
		{dbus.Error{Name: errLimitsExceeded, Body: words}, ErrTooLarge, "too large"},
		{dbus.Error{Name: errNoSuchObject, Body: words}, ErrNotFound, "not found"},
		{dbus.Error{Name: "org.example.Odd", Body: words}, errKeychain, "keychain: the provider's words"},
		{context.DeadlineExceeded, ErrKeychainLocked, "did not answer in time"},
		{dbus.ErrClosed, ErrKeychainUnavailable, "none is running"},
	}
	for _, tt := range tests {
		got := ssError(tt.err)
		if !errors.Is(got, tt.want) || !strings.Contains(got.Error(), tt.text) ||
			strings.Contains(got.Error(), "org.") || strings.Contains(got.Error(), "dbus") {
			t.Errorf("ssError(%v): got %v; want %v saying %q, no D-Bus detail", tt.err, got, tt.want, tt.text)
		}
	}
}

// required says a missing D-Bus or gnome-keyring fails rather than skips.
func required() bool { return os.Getenv("CI") == "true" || os.Getenv("TOKENDESK_INTEGRATION") == "1" }

// needKeyring skips (or, when required, fails) unless the test runs under
// scripts/with-keyring: a private session bus with gnome-keyring on it.
func needKeyring(t *testing.T) {
	t.Helper()
	if keyringtest.Under() {
		return
	}
	if os.Getenv(childEnv) != "" {
		return // a child on its own bus
	}
	if required() {
		t.Fatal("no gnome-keyring: run under scripts/with-keyring")
	}
	t.Skip("no gnome-keyring: run under scripts/with-keyring")
}

const childEnv = "TOKENDESK_SS_CHILD"

// inChild runs the calling test again in a child process whose session
// bus is a private one with nothing on it, under a fresh HOME, since
// godbus keeps one session bus per process. It returns true in the child,
// which then runs the test's body.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	needKeyring(t)
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	addr := keyringtest.PrivateBus(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name(), "DBUS_SESSION_BUS_ADDRESS="+addr,
		"HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "GNOME_KEYRING_CONTROL=")
	if err := os.Mkdir(filepath.Join(home, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Errorf("child: %v\n%s", err, out)
	}
	return false
}

// TestSecretServiceSurvivesRestart: one long-lived store (the window's)
// keeps working after gnome-keyring is killed and started again.
func TestSecretServiceSurvivesRestart(t *testing.T) {
	needKeyring(t)
	conn := keyringtest.Conn(t)
	k := NewKeychain(&SecretService{})
	id := "restart-" + t.Name()
	t.Cleanup(func() { _ = k.Forget(id) })
	if err := k.SetClientSecret(id, "before"); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		keyringtest.Kill(t, conn)
		keyringtest.Start(t, conn)
		if got, err := k.ClientSecret(id); err != nil || got != "before" {
			t.Errorf("round %d, read after restart: got %q, %v; want %q", round, got, err, "before")
		}
		if err := k.SetClientSecret(id, "before"); err != nil {
			t.Errorf("round %d, write after restart: %v", round, err)
		}
		if memOnly, err := k.SetToken(id, model.Token{AccessToken: "t", Fingerprint: "fp"}); memOnly || err != nil {
			t.Errorf("round %d, cache a token after restart: memoryOnly %v, %v", round, memOnly, err)
		}
	}
}

// TestSecretServiceStartsLater: a store made before any Secret Service
// runs says "not running", and works once one starts.
func TestSecretServiceStartsLater(t *testing.T) {
	if !inChild(t) {
		return
	}
	conn := keyringtest.Conn(t)
	s := &SecretService{}
	_, err := s.Get("later/client-secret")
	if !errors.Is(err, ErrKeychainUnavailable) || !strings.Contains(err.Error(), "no keychain is available") || strings.Contains(err.Error(), "org.freedesktop") {
		t.Errorf("before: got %v; want ErrKeychainUnavailable in words", err)
	}
	keyringtest.Start(t, conn)
	t.Cleanup(func() { keyringtest.Kill(t, conn) })
	if err := s.Set("later/client-secret", "v"); err != nil {
		t.Fatalf("after start, Set: %v", err)
	}
	if got, err := s.Get("later/client-secret"); err != nil || got != "v" {
		t.Errorf("after start, Get: got %q, %v; want %q", got, err, "v")
	}
}

// TestSecretServiceLockedCache: with the keychain locked, a token that
// cannot be cached says "locked" and is used from memory.
func TestSecretServiceLockedCache(t *testing.T) {
	needKeyring(t)
	conn := keyringtest.Conn(t)
	k := NewKeychain(&SecretService{})
	id := "locked-" + t.Name()
	if err := k.SetClientSecret(id, "s"); err != nil {
		t.Fatal(err)
	}
	keyringtest.Lock(t, conn)
	t.Cleanup(func() {
		keyringtest.Start(t, conn) // unlocks the login keyring again
		_ = k.Forget(id)
	})
	tok := model.Token{AccessToken: "from-memory", Fingerprint: "fp"}
	memOnly, err := k.SetToken(id, tok)
	if !memOnly || !errors.Is(err, ErrKeychainLocked) {
		t.Errorf("SetToken: memoryOnly %v, %v; want true, ErrKeychainLocked", memOnly, err)
	}
	why := k.TokenCacheErr(id)
	if why == nil || !strings.Contains(why.Error(), "locked") || strings.Contains(why.Error(), "too large") {
		t.Errorf("cause: got %v; want it to say locked", why)
	}
	if got, err := k.Token(id); err != nil || got.AccessToken != tok.AccessToken {
		t.Errorf("Token: got %q, %v; want the token from memory", got.AccessToken, err)
	}
}

// fakeSecrets is a Secret Service whose only item is locked and needs a
// prompt to unlock, or that never answers.
type fakeSecrets struct {
	hang chan struct{} // nil: answer as a locked keychain; else answer nothing until closed
}

func (f *fakeSecrets) wait() {
	if f.hang != nil {
		<-f.hang
	}
}

const fakeItem = dbus.ObjectPath("/org/freedesktop/secrets/collection/login/1")

func (f *fakeSecrets) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	f.wait()
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (f *fakeSecrets) Unlock(objs []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	f.wait()
	return nil, "/org/freedesktop/secrets/prompt/1", nil // unlocking needs a person at a prompt
}

func (f *fakeSecrets) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	f.wait()
	return nil, []dbus.ObjectPath{fakeItem}, nil
}

func serveFake(t *testing.T, f *fakeSecrets) {
	t.Helper()
	conn := keyringtest.Conn(t)
	if err := conn.Export(f, ssPath, ssService); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(ssName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the secrets name: %v %v", reply, err)
	}
}

// TestSecretServiceLocked: a keychain that wants an unlock prompt gives a
// clear "unlock it" error rather than waiting.
func TestSecretServiceLocked(t *testing.T) {
	if !inChild(t) {
		return
	}
	serveFake(t, &fakeSecrets{})
	_, err := (&SecretService{Timeout: 5 * time.Second}).Get("p/client-secret")
	if !errors.Is(err, ErrKeychainLocked) || !strings.Contains(err.Error(), "unlock it") {
		t.Errorf("got %v; want ErrKeychainLocked", err)
	}
}

// TestSecretServiceTimeout: a Secret Service that never answers cannot
// hang us, and the store works once it answers again.
func TestSecretServiceTimeout(t *testing.T) {
	if !inChild(t) {
		return
	}
	hang := make(chan struct{})
	serveFake(t, &fakeSecrets{hang: hang})
	s := &SecretService{Timeout: 300 * time.Millisecond}
	done := make(chan error, 1)
	go func() { _, err := s.Get("p/client-secret"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrKeychainLocked) || !strings.Contains(err.Error(), "did not answer in time") {
			t.Errorf("got %v; want the time-out error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the keychain call was not bounded")
	}
	close(hang)
	s.Timeout = 5 * time.Second
	if _, err := s.Get("p/client-secret"); !errors.Is(err, ErrKeychainLocked) || strings.Contains(err.Error(), "in time") {
		t.Errorf("once it answers: got %v; want the locked error", err)
	}
}

// TestSecretServiceSetInPlace: filing a new value under a user sets the
// secret of the item already there (gnome-keyring writes its file once
// for that, twice to replace the item): the same item, its label as it
// was, the new value read back, no second item.
func TestSecretServiceSetInPlace(t *testing.T) {
	needKeyring(t)
	conn := keyringtest.Conn(t)
	s := &SecretService{}
	user := "inplace-" + t.Name() + "/token"
	t.Cleanup(func() { _ = s.Delete(user) })
	if err := s.Set(user, "first"); err != nil {
		t.Fatal(err)
	}
	items := func() []dbus.ObjectPath {
		t.Helper()
		var unlocked, locked []dbus.ObjectPath
		if err := conn.Object(ssName, ssPath).Call(ssService+".SearchItems", 0, attrs(user)).Store(&unlocked, &locked); err != nil {
			t.Fatal(err)
		}
		return append(unlocked, locked...)
	}
	before := items()
	if len(before) != 1 {
		t.Fatalf("items after the first Set: got %v; want one", before)
	}
	const label = "named by another program"
	if err := conn.Object(ssName, before[0]).SetProperty(ssItem+".Label", dbus.MakeVariant(label)); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(user, "second"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(user); err != nil || got != "second" {
		t.Errorf("Get: got %q, %v; want %q", got, err, "second")
	}
	after := items()
	if len(after) != 1 || after[0] != before[0] {
		t.Errorf("items after the second Set: got %v; want %v alone", after, before)
	}
	v, err := conn.Object(ssName, before[0]).GetProperty(ssItem + ".Label")
	if err != nil || v.Value() != label {
		t.Errorf("label after the second Set: got %v, %v; want %q (the item kept, its secret set)", v, err, label)
	}
}

// searchFirst is a Secret Service that opens a session only once a search
// has come: a store that waits for the session before searching hangs.
type searchFirst struct {
	once     sync.Once
	searched chan struct{}
}

func (f *searchFirst) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-f.searched
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (f *searchFirst) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	f.once.Do(func() { close(f.searched) })
	return nil, nil, nil
}

// TestSecretServiceSearchesMeanwhile: the first call's search goes out
// while the session is being opened, not after.
func TestSecretServiceSearchesMeanwhile(t *testing.T) {
	if !inChild(t) {
		return
	}
	conn := keyringtest.Conn(t)
	if err := conn.Export(&searchFirst{searched: make(chan struct{})}, ssPath, ssService); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(ssName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the secrets name: %v %v", reply, err)
	}
	s := &SecretService{Timeout: 5 * time.Second}
	if _, err := s.Get("p/token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v; want ErrNotFound, from a search made while the session opened", err)
	}
}

// TestKnownItem: where an item was found stands in for one search, in the
// same session, for a moment.
func TestKnownItem(t *testing.T) {
	const path = dbus.ObjectPath("/org/freedesktop/secrets/collection/login/7")
	s := &SecretService{}
	one := &op{s: s, sess: &session{gen: 1}}
	two := &op{s: s, sess: &session{gen: 2}}
	tests := []struct {
		name  string
		setup func()
		ask   *op
		want  dbus.ObjectPath
	}{
		{"just found", func() { one.found("u", path) }, one, path},
		{"used once", func() { one.found("u", path); one.known("u") }, one, ""},
		{"another session", func() { one.found("u", path) }, two, ""},
		{"too long ago", func() { s.items["u"] = foundItem{path: path, gen: 1, at: time.Now().Add(-itemFor - time.Second)} }, one, ""},
		{"deleted", func() { one.found("u", path); one.found("u", "") }, one, ""},
		{"another user", func() { one.found("v", path) }, one, ""},
	}
	for _, tt := range tests {
		s.items = map[string]foundItem{}
		tt.setup()
		if got := tt.ask.known("u"); got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

// readElsewhere reads user's value over a connection of its own, as
// another process would.
func readElsewhere(t *testing.T, conn *dbus.Conn, user string) string {
	t.Helper()
	var out dbus.Variant
	var sess dbus.ObjectPath
	svc := conn.Object(ssName, ssPath)
	if err := svc.Call(ssService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &sess); err != nil {
		t.Fatal(err)
	}
	var unlocked, locked []dbus.ObjectPath
	if err := svc.Call(ssService+".SearchItems", 0, attrs(user)).Store(&unlocked, &locked); err != nil || len(unlocked) != 1 {
		t.Fatalf("search: %v, %v", unlocked, err)
	}
	var sec struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}
	if err := conn.Object(ssName, unlocked[0]).Call(ssItem+".GetSecret", 0, sess).Store(&sec); err != nil {
		t.Fatal(err)
	}
	return string(sec.Value)
}

const sendChild = "TOKENDESK_SEND_CHILD"

// TestSecretServiceSend: a value sent without waiting is what the next
// reader, on another connection, reads, even when the sender exits at
// once.
func TestSecretServiceSend(t *testing.T) {
	user := "send-" + t.Name() + "/token"
	if v := os.Getenv(sendChild); v != "" {
		// The child: read (as a refresh does), send, and exit at once.
		s := &SecretService{}
		if _, err := s.Get(user); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(user, v); err != nil {
			t.Fatal(err)
		}
		os.Exit(0)
	}
	needKeyring(t)
	conn := keyringtest.Conn(t)
	s := &SecretService{}
	t.Cleanup(func() { _ = s.Delete(user) })
	if err := s.Send(user, "new"); err != nil { // no item yet: created
		t.Fatal(err)
	}
	if got := readElsewhere(t, conn, user); got != "new" {
		t.Errorf("after Send of a new item: got %q; want %q", got, "new")
	}
	if err := s.Send(user, "sent"); err != nil {
		t.Fatal(err)
	}
	if got := readElsewhere(t, conn, user); got != "sent" {
		t.Errorf("after Send: got %q; want %q", got, "sent")
	}
	for i := range 5 {
		want := fmt.Sprintf("sent-then-exit-%d", i)
		cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), sendChild+"="+want)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		if got := readElsewhere(t, conn, user); got != want {
			t.Errorf("after a sender that exited at once: got %q; want %q", got, want)
		}
	}
}

// TestSecretServiceSetAfterDeleteElsewhere: an item found a moment ago and
// deleted since by another process is filed anew by Set; Send, which does
// not wait to hear, files nothing then, as a write that lost the race to
// the delete.
func TestSecretServiceSetAfterDeleteElsewhere(t *testing.T) {
	needKeyring(t)
	conn := keyringtest.Conn(t)
	s := &SecretService{}
	user := "gone-" + t.Name() + "/token"
	t.Cleanup(func() { _ = s.Delete(user) })
	search := func() []dbus.ObjectPath {
		t.Helper()
		var unlocked, locked []dbus.ObjectPath
		if err := conn.Object(ssName, ssPath).Call(ssService+".SearchItems", 0, attrs(user)).Store(&unlocked, &locked); err != nil {
			t.Fatal(err)
		}
		return append(unlocked, locked...)
	}
	tests := []struct {
		name  string
		write func(string, string) error
		filed bool
	}{
		{"Set", s.Set, true},
		{"Send", s.Send, false},
	}
	for _, tt := range tests {
		if err := s.Set(user, "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(user); err != nil { // the item is found, and remembered
			t.Fatal(err)
		}
		items := search()
		if len(items) != 1 {
			t.Fatalf("%s: items %v; want one", tt.name, items)
		}
		var prompt dbus.ObjectPath
		if err := conn.Object(ssName, items[0]).Call(ssItem+".Delete", 0).Store(&prompt); err != nil {
			t.Fatal(err)
		}
		if err := tt.write(user, "again"); err != nil {
			t.Fatalf("%s after the item was deleted elsewhere: %v", tt.name, err)
		}
		if tt.filed {
			if got := readElsewhere(t, conn, user); got != "again" {
				t.Errorf("%s: got %q; want %q", tt.name, got, "again")
			}
		} else if got := search(); len(got) != 0 {
			t.Errorf("%s: items %v; want none", tt.name, got)
		}
	}
}

// twoCopies is a Secret Service holding one item in two collections (a
// person who moved it, two keyrings of a KeePassXC database): unlocked
// both, each deleted on its own.
type twoCopies struct {
	mu    sync.Mutex
	items []dbus.ObjectPath
}

func (f *twoCopies) OpenSession(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	return dbus.MakeVariant(""), "/org/freedesktop/secrets/session/1", nil
}

func (f *twoCopies) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.items), nil, nil
}

// copyItem is one of twoCopies' items.
type copyItem struct {
	f    *twoCopies
	path dbus.ObjectPath
}

func (c *copyItem) Delete() (dbus.ObjectPath, *dbus.Error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.items = slices.DeleteFunc(c.f.items, func(p dbus.ObjectPath) bool { return p == c.path })
	return ssNoPrompt, nil
}

// TestSecretServiceDeletesEveryCopy: Delete leaves no copy of the item in
// any collection, so a sign-out leaves no refresh token to be read next.
func TestSecretServiceDeletesEveryCopy(t *testing.T) {
	if !inChild(t) {
		return
	}
	conn := keyringtest.Conn(t)
	f := &twoCopies{items: []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login/1", "/org/freedesktop/secrets/collection/kp/1"}}
	if err := conn.Export(f, ssPath, ssService); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.items {
		if err := conn.Export(&copyItem{f: f, path: p}, p, ssItem); err != nil {
			t.Fatal(err)
		}
	}
	if reply, err := conn.RequestName(ssName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the secrets name: %v %v", reply, err)
	}
	if err := (&SecretService{Timeout: 5 * time.Second}).Delete("p/refresh-token"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.items) != 0 {
		t.Errorf("left %q; want no copy", f.items)
	}
}
