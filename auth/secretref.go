package auth

import (
	"context"

	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
)

// refCredential resolves p's secret reference (Profile.SecretRef): once per
// process, held in memory, or on every call when the profile says so.
// Nothing resolved is written anywhere.
func (m *Manager) refCredential(p storage.Profile) (string, error) {
	r, err := secretref.Parse(p.SecretRef)
	if err != nil {
		return "", err
	}
	if p.SecretRefNoCache {
		return m.refs.Fetch(context.Background(), r)
	}
	return m.refs.Resolve(context.Background(), r)
}

// forgetRef drops what memory holds for p's secret reference after a
// failed request, so that a secret rotated in the vault is read again.
func (m *Manager) forgetRef(p storage.Profile) {
	if r, err := secretref.Parse(p.SecretRef); err == nil && p.SecretRef != "" {
		m.refs.Forget(r)
	}
}
