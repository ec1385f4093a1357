package storage

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

func proxyKeyKey(id string) string { return id + "/proxy-key" }

// ProxyKey returns profile id's proxy key, the path segment that admits a
// request to its local token proxy, making one on first use. It is kept in
// the keychain so that the proxy's URL stays the same between runs and only
// this user can read it.
func (k *Keychain) ProxyKey(id string) (string, error) {
	key, err := k.store.Get(proxyKeyKey(id))
	if err == nil && key != "" {
		return key, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("read proxy key: %w", err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	key = hex.EncodeToString(b)
	if err := k.store.Set(proxyKeyKey(id), key); err != nil {
		return "", fmt.Errorf("store proxy key: %w", err)
	}
	return key, nil
}

// DeleteProxyKey forgets profile id's proxy key; the next ProxyKey makes a
// new one, so URLs handed out before stop working.
func (k *Keychain) DeleteProxyKey(id string) error {
	if err := k.store.Delete(proxyKeyKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget proxy key: %w", err)
	}
	return nil
}
