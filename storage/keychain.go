package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/zalando/go-keyring"
)

// Service is the keychain service name every Token Desk entry is filed under.
const Service = "tokendesk"

// Keychain errors callers branch on. Their text says what a person can do.
var (
	ErrKeychainUnavailable = errors.New("no keychain is available: none is running; on Linux, install and start a Secret Service such as gnome-keyring or KeePassXC (with its Secret Service integration on) and try again")
	ErrKeychainLocked      = errors.New("the keychain is locked: unlock it (on Linux, the \"login\" keyring) and try again")
	ErrKeychainRefused     = errors.New("the keychain refused access: allow Token Desk in the keychain's prompt or settings and try again")
	ErrTooLarge            = errors.New("the keychain refused the item as too large")
)

// keychainError is a keychain failure in words a person can act on: its
// text is its kind's (or its own text), never the D-Bus or OS detail,
// which stays reachable through errors.As for whoever needs it.
type keychainError struct {
	kind  error  // one of the sentinels above
	text  string // more specific words than kind's; empty means kind's
	cause error  // what the keychain said
}

func (e *keychainError) Error() string {
	if e.text != "" {
		return e.text
	}
	return e.kind.Error()
}

func (e *keychainError) Unwrap() []error { return []error{e.kind, e.cause} }

// errTimeout says the keychain did not answer within the time allowed; a
// Secret Service waiting on its own unlock dialog does that, so it counts
// as locked.
func errTimeout(cause error) error {
	return &keychainError{kind: ErrKeychainLocked, cause: cause,
		text: "the keychain did not answer in time (it may be waiting to be unlocked): unlock it and try again"}
}

// SecretStore is a keychain: strings filed under a user name within
// Token Desk's service. Implementations return ErrNotFound for a missing
// entry.
type SecretStore interface {
	Get(user string) (string, error)
	Set(user, value string) error
	Delete(user string) error
}

// Keyring is the operating system's keychain through go-keyring: Keychain
// on macOS, Credential Manager on Windows.
type Keyring struct {
	// Timeout bounds every call, so a keychain that waits for an unlock
	// prompt nobody answers cannot hang the app. Zero means 10 seconds.
	Timeout time.Duration
}

// Get returns the value filed under user.
func (k Keyring) Get(user string) (string, error) {
	var v string
	err := k.call(func() (err error) { v, err = keyring.Get(Service, user); return err })
	return v, err
}

// Set files value under user.
func (k Keyring) Set(user, value string) error {
	return k.call(func() error { return keyring.Set(Service, user, value) })
}

// Delete removes what is filed under user.
func (k Keyring) Delete(user string) error {
	return k.call(func() error { return keyring.Delete(Service, user) })
}

// call bounds fn. go-keyring takes no context, so a call that times out
// is left to finish on its own; macOS and Windows answer or fail promptly.
func (k Keyring) call(fn func() error) error {
	timeout := k.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return keyringError(err)
	case <-time.After(timeout):
		return errTimeout(nil)
	}
}

// keyringError maps go-keyring's errors to ours by their identity. The
// errors never carry a secret: go-keyring's come from the OS, about the
// service, not the value.
func keyringError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &keychainError{kind: ErrTooLarge, cause: err}
	}
	return platformError(err)
}

// MemoryStore is a SecretStore in memory, for tests and for tokens too large
// for the keychain. The zero value is ready to use.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]string
	// MaxSize, when positive, refuses values longer than it with
	// ErrTooLarge, like Windows' Credential Manager.
	MaxSize int
}

// Get returns the value filed under user.
func (s *MemoryStore) Get(user string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set files value under user.
func (s *MemoryStore) Set(user, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.MaxSize > 0 && len(value) > s.MaxSize {
		return ErrTooLarge
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[user] = value
	return nil
}

// Delete removes what is filed under user.
func (s *MemoryStore) Delete(user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[user]; !ok {
		return ErrNotFound
	}
	delete(s.m, user)
	return nil
}

// Len says how many entries the store holds.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Keychain files each profile's secrets: callers ask for "the client secret
// of profile X" and never build keychain keys themselves.
type Keychain struct {
	store SecretStore
	// mem keeps tokens the keychain could not take, for this process;
	// why says for each profile what the keychain said.
	mem MemoryStore
	mu  sync.Mutex
	why map[string]error
	// refs holds the secrets resolved from references, for the process.
	refs secretref.Resolver
}

// NewKeychain wraps a SecretStore.
func NewKeychain(s SecretStore) *Keychain { return &Keychain{store: s} }

func secretKey(id string) string  { return id + "/client-secret" }
func privateKey(id string) string { return id + "/private-key" }
func tokenKey(id string) string   { return id + "/token" }
func headersKey(id string) string { return id + "/headers" }

// ClientSecret returns profile id's client secret.
func (k *Keychain) ClientSecret(id string) (string, error) {
	s, err := k.store.Get(secretKey(id))
	if errors.Is(err, ErrNotFound) {
		return "", ErrSecretMissing
	}
	return s, err
}

// ErrSecretMissing says a profile has no client secret in this keychain, as
// when its settings were copied from another machine.
var ErrSecretMissing = errors.New("client secret missing from the keychain: enter it again in the profile's settings")

// SetClientSecret stores profile id's client secret.
func (k *Keychain) SetClientSecret(id, secret string) error {
	if err := k.store.Set(secretKey(id), secret); err != nil {
		return fmt.Errorf("store client secret: %w", err)
	}
	return nil
}

// ErrKeyMissing says a private_key_jwt profile has no key in this keychain.
var ErrKeyMissing = errors.New("private key missing from the keychain: import it again in the profile's settings")

// PrivateKey returns profile id's private key (PEM), for private_key_jwt.
func (k *Keychain) PrivateKey(id string) (string, error) {
	s, err := k.store.Get(privateKey(id))
	if errors.Is(err, ErrNotFound) {
		return "", ErrKeyMissing
	}
	return s, err
}

// SetPrivateKey stores profile id's private key (PEM).
func (k *Keychain) SetPrivateKey(id, pem string) error {
	if err := k.store.Set(privateKey(id), pem); err != nil {
		return fmt.Errorf("store private key: %w", err)
	}
	return nil
}

// Token returns profile id's cached token, or ErrNotFound.
func (k *Keychain) Token(id string) (model.Token, error) {
	var t model.Token
	raw, err := k.mem.Get(tokenKey(id))
	if errors.Is(err, ErrNotFound) {
		raw, err = k.store.Get(tokenKey(id))
	}
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(raw), &t); err != nil || t.AccessToken == "" {
		return t, ErrNotFound // an unreadable cache entry is no cache
	}
	return t, nil
}

// SetToken caches profile id's token in the keychain. When the keychain
// cannot take it (too large, locked, not running, refused), the token is
// kept in this process's memory instead: memoryOnly says so, and err says
// why (errors.Is ErrTooLarge, ErrKeychainLocked, ErrKeychainUnavailable…).
func (k *Keychain) SetToken(id string, t model.Token) (memoryOnly bool, err error) {
	return k.cacheToken(id, t, k.store.Set)
}

// cacheToken is SetToken, filing with set.
func (k *Keychain) cacheToken(id string, t model.Token, set func(user, value string) error) (memoryOnly bool, err error) {
	data, err := json.Marshal(t)
	if err != nil {
		// Not even memory can hold it; the caller's copy is all there is.
		err = fmt.Errorf("encode token: %w", err)
		k.setWhy(id, err)
		return true, err
	}
	err = set(tokenKey(id), string(data))
	if err == nil {
		k.dropMem(id)
		return false, nil
	}
	if errors.Is(err, ErrTooLarge) {
		_ = k.store.Delete(tokenKey(id)) // an older, smaller token must not shadow this one
	}
	_ = k.mem.Set(tokenKey(id), string(data))
	k.setWhy(id, err)
	return true, fmt.Errorf("cache token: %w", err)
}

// Sender is a SecretStore that can file a value without waiting to hear
// that it was filed: the request is on its way when Send returns, and
// stands if the process exits next. For a process that exits as soon as it
// has its answer, and a value it could fetch again.
type Sender interface {
	Send(user, value string) error
}

// SendToken caches profile id's token as SetToken does, but where the
// keychain can (Sender) without waiting for it to be written: a failure
// after the request left is not learned. For a token that is only a
// cache, in a process about to exit; a refresh token is filed with
// SetSignIn, and waited for.
func (k *Keychain) SendToken(id string, t model.Token) (memoryOnly bool, err error) {
	if snd, ok := k.store.(Sender); ok {
		return k.cacheToken(id, t, snd.Send)
	}
	return k.SetToken(id, t)
}

func (k *Keychain) setWhy(id string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.why == nil {
		k.why = map[string]error{}
	}
	k.why[id] = err
}

// TokenCacheErr says why profile id's token is held in this process's
// memory rather than the keychain, in words a person can act on (errors.Is
// ErrTooLarge, ErrKeychainLocked…); nil when it is not.
func (k *Keychain) TokenCacheErr(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.why[id]
}

func (k *Keychain) dropMem(id string) {
	_ = k.mem.Delete(tokenKey(id))
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.why, id)
}

// DeleteToken forgets profile id's cached token.
func (k *Keychain) DeleteToken(id string) error {
	k.dropMem(id)
	if err := k.store.Delete(tokenKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget token: %w", err)
	}
	return nil
}

// HeaderValues returns the values of profile id's secret headers, by
// header name (none filed: an empty map).
func (k *Keychain) HeaderValues(id string) (map[string]string, error) {
	raw, err := k.store.Get(headersKey(id))
	if errors.Is(err, ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	vals := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &vals); err != nil {
		return map[string]string{}, nil // unreadable: as if none, each then reported missing
	}
	return vals, nil
}

// SetHeaderValues files the values of profile id's secret headers; none
// removes the entry.
func (k *Keychain) SetHeaderValues(id string, vals map[string]string) error {
	if len(vals) == 0 {
		if err := k.store.Delete(headersKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("forget secret header values: %w", err)
		}
		return nil
	}
	data, err := json.Marshal(vals)
	if err != nil {
		return fmt.Errorf("encode secret header values: %w", err)
	}
	if err := k.store.Set(headersKey(id), string(data)); err != nil {
		return fmt.Errorf("store secret header values: %w", err)
	}
	return nil
}

// MergeHeaderValues is what the keychain should hold for p's secret
// headers after an edit: the values p carries (just typed), the old ones
// for headers left blank, none for headers p no longer has. tokenChanged
// says a token-request header got a new value, which retires a cached
// token (the fingerprint cannot see secret values).
func MergeHeaderValues(p model.Profile, old map[string]string) (vals map[string]string, tokenChanged bool) {
	vals = map[string]string{}
	for _, h := range p.Headers {
		if !h.Secret || h.Ref != "" {
			continue
		}
		v := old[h.Name]
		if h.Value != "" {
			tokenChanged = tokenChanged || (h.TokenRequest && h.Value != v)
			v = h.Value
		}
		if v != "" {
			vals[h.Name] = v
		}
	}
	return vals, tokenChanged
}

// SaveHeaderValues files p's secret header values as MergeHeaderValues
// says, writing only when they changed.
func (k *Keychain) SaveHeaderValues(p model.Profile) (tokenChanged bool, err error) {
	old, err := k.HeaderValues(p.ID)
	if err != nil {
		return false, err
	}
	vals, tokenChanged := MergeHeaderValues(p, old)
	if maps.Equal(vals, old) {
		return tokenChanged, nil
	}
	return tokenChanged, k.SetHeaderValues(p.ID, vals)
}

// Resolve returns p with its secret headers' values filled in from the
// keychain, for a request or a command that carries them. Profiles without
// secret headers cost no keychain read.
func (k *Keychain) Resolve(p model.Profile) (model.Profile, error) {
	return k.ResolveContext(context.Background(), p)
}

// ResolveContext is Resolve for a request that ctx may cancel, which
// cancels a secret reference being resolved.
func (k *Keychain) ResolveContext(ctx context.Context, p model.Profile) (model.Profile, error) {
	if !p.HasSecretHeaders() {
		return p, nil
	}
	if err := CheckTeam(p); err != nil {
		return p, err
	}
	vals, err := k.HeaderValues(p.ID)
	if err != nil {
		return p, fmt.Errorf("read secret header values: %w", err)
	}
	if err := k.resolveHeaderRefs(ctx, p, vals); err != nil {
		return p, err
	}
	return p.WithHeaderValues(vals)
}

// Forget removes everything filed for profile id.
func (k *Keychain) Forget(id string) error {
	if err := k.DeleteToken(id); err != nil {
		return err
	}
	if err := k.DeleteSignIn(id); err != nil {
		return err
	}
	if err := k.store.Delete(secretKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget client secret: %w", err)
	}
	if err := k.store.Delete(privateKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget private key: %w", err)
	}
	return errors.Join(k.DeleteProxyKey(id), k.SetHeaderValues(id, nil))
}
