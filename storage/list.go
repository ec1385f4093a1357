package storage

import (
	"errors"
	"slices"
	"strings"
)

// ErrCannotList says this platform's keychain offers no way to list the
// items Token Desk filed, so items that no profile owns cannot be found.
var ErrCannotList = errors.New("this keychain cannot list Token Desk's items")

// Lister is a SecretStore that can name every user it holds under Service.
type Lister interface {
	List() ([]string, error)
}

// Entry is one keychain item Token Desk filed.
type Entry struct {
	// User is its user name within the service, "<profile-id>/<kind>".
	User string
}

// ProfileID is the ID of the profile the item belongs to.
func (e Entry) ProfileID() string {
	id, _, _ := strings.Cut(e.User, "/")
	return id
}

// Kind is what the item holds: client-secret, private-key, token or
// headers.
func (e Entry) Kind() string {
	_, kind, _ := strings.Cut(e.User, "/")
	return kind
}

// Entries lists every item Token Desk filed in the keychain, sorted; a
// keychain that cannot list is ErrCannotList.
func (k *Keychain) Entries() ([]Entry, error) {
	l, ok := k.store.(Lister)
	if !ok {
		return nil, ErrCannotList
	}
	users, err := l.List()
	if err != nil {
		return nil, err
	}
	slices.Sort(users)
	users = slices.Compact(users)
	out := make([]Entry, len(users))
	for i, u := range users {
		out[i] = Entry{User: u}
	}
	return out, nil
}

// DeleteEntry removes one item Entries listed.
func (k *Keychain) DeleteEntry(e Entry) error {
	if err := k.store.Delete(e.User); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// List names the users the store holds.
func (s *MemoryStore) List() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for u := range s.m {
		out = append(out, u)
	}
	return out, nil
}
