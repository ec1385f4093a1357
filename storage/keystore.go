package storage

// NewSystemStore returns the operating system's keychain: on Linux the
// Secret Service spoken to directly, elsewhere go-keyring (Keychain on
// macOS, Credential Manager on Windows).
func NewSystemStore() SecretStore { return newSystemStore() }
