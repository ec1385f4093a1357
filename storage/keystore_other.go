//go:build !linux

package storage

import "fmt"

func newSystemStore() SecretStore { return Keyring{} }

// platformError is an error go-keyring did not name; macOS and Windows
// describe theirs in words already.
func platformError(err error) error { return fmt.Errorf("keychain: %w", err) }
