package storage

import (
	"context"
	"fmt"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
)

// Refs is the keychain's companion for secrets kept elsewhere: what it
// resolved from references (Profile.SecretRef, Header.Ref), in this
// process's memory only.
func (k *Keychain) Refs() *secretref.Resolver { return &k.refs }

// resolveHeaderRefs puts the values of p's secret headers that come from
// references into vals, by header name.
func (k *Keychain) resolveHeaderRefs(p model.Profile, vals map[string]string) error {
	for _, h := range p.Headers {
		if !h.Secret || h.Ref == "" {
			continue
		}
		v, err := ResolveRef(k.Refs(), h.Ref, p.SecretRefNoCache)
		if err != nil {
			return fmt.Errorf("the value of header %s: %w", h.Name, err)
		}
		vals[h.Name] = v
	}
	return nil
}

// ResolveRef resolves the reference ref with rv: from memory, or afresh
// when noCache (the profile's SecretRefNoCache).
func ResolveRef(rv *secretref.Resolver, ref string, noCache bool) (string, error) {
	r, err := secretref.Parse(ref)
	if err != nil {
		return "", err
	}
	if noCache {
		return rv.Fetch(context.Background(), r)
	}
	return rv.Resolve(context.Background(), r)
}
