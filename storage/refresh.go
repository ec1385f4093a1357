package storage

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokendesk/tokendesk/model"
)

func signInKey(id string) string { return id + "/refresh-token" }

// SignIn returns profile id's sign-in, or ErrNotFound.
func (k *Keychain) SignIn(id string) (model.SignIn, error) {
	var s model.SignIn
	raw, err := k.store.Get(signInKey(id))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, ErrNotFound // unreadable: as if signed out
	}
	return s, nil
}

// SetSignIn files profile id's sign-in; a rotated refresh token replaces
// the old one in the one write.
func (k *Keychain) SetSignIn(id string, s model.SignIn) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode sign-in: %w", err)
	}
	if err := k.store.Set(signInKey(id), string(data)); err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	return nil
}

// DeleteSignIn forgets profile id's sign-in.
func (k *Keychain) DeleteSignIn(id string) error {
	if err := k.store.Delete(signInKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget refresh token: %w", err)
	}
	return nil
}
