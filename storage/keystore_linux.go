package storage

import "context"

// newSystemStore starts connecting at once, in the background: the
// connection and session are three or four round trips that a command
// would otherwise wait for after reading its profiles.
func newSystemStore() SecretStore {
	s := &SecretService{}
	go s.warm()
	return s
}

// warm opens the connection and session, if it can; a failure is not
// kept, so the first call tries again and reports it.
func (s *SecretService) warm() {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	_, _ = s.open(ctx)
}

// platformError is an error go-keyring did not name: on Linux, one from
// the Secret Service over D-Bus.
func platformError(err error) error { return ssError(err) }
