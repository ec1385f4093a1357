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

// Credential is what p's client authenticates with, wherever it lives: the
// private key for the styles that use one, else the client secret; from
// its secret reference or the keychain. A public client has none ("").
func (k *Keychain) Credential(ctx context.Context, p model.Profile) (string, error) {
	switch {
	case p.Style() == model.AuthNone:
		return "", nil
	case p.Style().UsesKey():
		return k.Key(ctx, p)
	}
	return k.Secret(ctx, p)
}

// Secret is p's client secret wherever it lives: from its secret
// reference (unless that holds the private key of a style that uses
// one), else from the keychain.
func (k *Keychain) Secret(ctx context.Context, p model.Profile) (string, error) {
	if p.SecretRef != "" && !p.Style().UsesKey() {
		return k.resolve(ctx, p, p.SecretRef)
	}
	return k.ClientSecret(p.ID)
}

// Key is p's private key (PEM) wherever it lives: from its secret
// reference for a style that uses a key, else from the keychain.
func (k *Keychain) Key(ctx context.Context, p model.Profile) (string, error) {
	if p.SecretRef != "" && p.Style().UsesKey() {
		return k.resolve(ctx, p, p.SecretRef)
	}
	return k.PrivateKey(p.ID)
}

// resolve resolves p's reference ref: from memory, or afresh when p says
// so (SecretRefNoCache). A team profile's reference is resolved only when
// the person allowed its team file as it is now (CheckTeam), so that a
// changed team file cannot send their secret somewhere new.
func (k *Keychain) resolve(ctx context.Context, p model.Profile, ref string) (string, error) {
	if err := CheckTeam(p); err != nil {
		return "", err
	}
	r, err := secretref.Parse(ref)
	if err != nil {
		return "", err
	}
	if p.SecretRefNoCache {
		return k.refs.Fetch(ctx, r)
	}
	return k.refs.Resolve(ctx, r)
}

// resolveHeaderRefs puts the values of p's secret headers that come from
// references into vals, by header name.
func (k *Keychain) resolveHeaderRefs(ctx context.Context, p model.Profile, vals map[string]string) error {
	for _, h := range p.Headers {
		if !h.Secret || h.Ref == "" {
			continue
		}
		v, err := k.resolve(ctx, p, h.Ref)
		if err != nil {
			return fmt.Errorf("the value of header %s: %w", h.Name, err)
		}
		vals[h.Name] = v
	}
	return nil
}
