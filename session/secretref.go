package session

import (
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
)

// forgetRef drops what memory holds for p's secret references after a
// failed request, so that a secret rotated in the vault is read again.
func (m *Manager) forgetRef(p model.Profile) {
	refs := []string{p.SecretRef}
	for _, h := range p.Headers {
		refs = append(refs, h.Ref)
	}
	for _, ref := range refs {
		if r, err := secretref.Parse(ref); err == nil && ref != "" {
			m.keys.Refs().Forget(r)
		}
	}
}
