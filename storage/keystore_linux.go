package storage

func newSystemStore() SecretStore { return &SecretService{} }

// platformError is an error go-keyring did not name: on Linux, one from
// the Secret Service over D-Bus.
func platformError(err error) error { return ssError(err) }
