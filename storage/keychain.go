package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name every Token Desk entry is filed under.
const Service = "tokendesk"

// Keychain errors callers branch on. Their text says what a person can do.
var (
	ErrKeychainUnavailable = errors.New("no keychain is available: on Linux, install and start a Secret Service such as gnome-keyring or KeePassXC (with its Secret Service integration on)")
	ErrKeychainLocked      = errors.New("the keychain is locked or did not answer in time: unlock it (on Linux, the \"login\" keyring) and try again")
	ErrTooLarge            = errors.New("the keychain refused the item as too large")
)

// SecretStore is a keychain: strings filed under a user name within
// Token Desk's service. Implementations return ErrNotFound for a missing
// entry.
type SecretStore interface {
	Get(user string) (string, error)
	Set(user, value string) error
	Delete(user string) error
}

// Keyring is the operating system's keychain through go-keyring: Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows.
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
		return ErrKeychainLocked
	}
}

// keyringError maps go-keyring's and D-Bus's errors to ours. The errors
// never carry a secret: go-keyring's come from D-Bus or the OS, about the
// service, not the value.
func keyringError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return ErrTooLarge
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "org.freedesktop.secrets"),
		strings.Contains(msg, "ServiceUnknown"),
		strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS"),
		strings.Contains(msg, "dbus"), strings.Contains(msg, "D-Bus"):
		return fmt.Errorf("%w (%v)", ErrKeychainUnavailable, err)
	case strings.Contains(strings.ToLower(msg), "locked"), strings.Contains(msg, "prompt"):
		return fmt.Errorf("%w (%v)", ErrKeychainLocked, err)
	}
	return fmt.Errorf("keychain: %w", err)
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

// CachedToken is a token as the keychain keeps it between runs.
type CachedToken struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
	IssuedAt    time.Time `json:"issued_at,omitzero"`
	Scope       string    `json:"scope,omitempty"`
	// Fingerprint is the profile's Fingerprint when the token was issued.
	Fingerprint string `json:"fingerprint"`
	// Extra holds the response's other fields (Medplum's project, profile…).
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// String never shows the token.
func (t CachedToken) String() string {
	return fmt.Sprintf("CachedToken{type=%s expiry=%s token=[redacted]}", t.TokenType, t.Expiry.Format(time.RFC3339))
}

// GoString never shows the token.
func (t CachedToken) GoString() string { return t.String() }

// LogValue never shows the token.
func (t CachedToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Keychain files each profile's secrets: callers ask for "the client secret
// of profile X" and never build keychain keys themselves.
type Keychain struct {
	store SecretStore
	// mem keeps tokens the keychain refused as too large, for this process.
	mem MemoryStore
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
var ErrSecretMissing = errors.New("client secret missing from the keychain: enter it again (tokendesk edit NAME --secret-stdin, or Edit in the window)")

// SetClientSecret stores profile id's client secret.
func (k *Keychain) SetClientSecret(id, secret string) error {
	if err := k.store.Set(secretKey(id), secret); err != nil {
		return fmt.Errorf("store client secret: %w", err)
	}
	return nil
}

// ErrKeyMissing says a private_key_jwt profile has no key in this keychain.
var ErrKeyMissing = errors.New("private key missing from the keychain: import it again (tokendesk edit NAME --private-key FILE)")

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
func (k *Keychain) Token(id string) (CachedToken, error) {
	var t CachedToken
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

// SetToken caches profile id's token. A token the keychain refuses as too
// large is kept in this process's memory instead; memoryOnly says so.
func (k *Keychain) SetToken(id string, t CachedToken) (memoryOnly bool, err error) {
	data, err := json.Marshal(t)
	if err != nil {
		return false, fmt.Errorf("encode token: %w", err)
	}
	err = k.store.Set(tokenKey(id), string(data))
	if errors.Is(err, ErrTooLarge) {
		_ = k.store.Delete(tokenKey(id)) // an older, smaller token must not shadow this one
		return true, k.mem.Set(tokenKey(id), string(data))
	}
	_ = k.mem.Delete(tokenKey(id))
	if err != nil {
		return false, fmt.Errorf("cache token: %w", err)
	}
	return false, nil
}

// DeleteToken forgets profile id's cached token.
func (k *Keychain) DeleteToken(id string) error {
	_ = k.mem.Delete(tokenKey(id))
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
func MergeHeaderValues(p Profile, old map[string]string) (vals map[string]string, tokenChanged bool) {
	vals = map[string]string{}
	for _, h := range p.Headers {
		if !h.Secret {
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
func (k *Keychain) SaveHeaderValues(p Profile) (tokenChanged bool, err error) {
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
func (k *Keychain) Resolve(p Profile) (Profile, error) {
	if !p.HasSecretHeaders() {
		return p, nil
	}
	vals, err := k.HeaderValues(p.ID)
	if err != nil {
		return p, fmt.Errorf("read secret header values: %w", err)
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
	return k.SetHeaderValues(id, nil)
}
