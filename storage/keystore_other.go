//go:build !linux

package storage

func newSystemStore() SecretStore { return Keyring{} }
