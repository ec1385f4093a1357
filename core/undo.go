package core

import (
	"errors"
	"fmt"
	"sync"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// ErrPurged is a Restore of a deletion whose keychain items are gone.
var ErrPurged = errors.New("the deletion can no longer be undone")

// ErrHeaderValueRequired is a copy of a profile with a secret header whose
// value was not given: secrets are never copied.
var ErrHeaderValueRequired = errors.New("a secret header's value is not copied; enter it for the copy")

// Deleted is a profile removed from the profiles file whose keychain items
// (client secret or key, cached token, secret header values) are kept
// until Purge, so that Restore can bring it back whole.
type Deleted struct {
	// Profile is the profile as the file held it.
	Profile model.Profile

	d    *Desk
	mu   sync.Mutex
	done bool // restored or purged
}

// Remove takes a profile out of the profiles file at once and keeps its
// keychain items until the returned deletion is purged — by its Purge, or
// by Close for every deletion still pending when the process ends. A
// profile that is gone already is storage.ErrNotFound.
func (d *Desk) Remove(id string) (*Deleted, error) {
	removed, err := d.take(id)
	if err != nil {
		return nil, err
	}
	x := &Deleted{Profile: removed, d: d}
	d.mu.Lock()
	if d.pending == nil {
		d.pending = map[*Deleted]bool{}
	}
	d.pending[x] = true
	d.mu.Unlock()
	return x, nil
}

// Restore puts the profile back under its ID, with the keychain items it
// kept. A name taken meanwhile is a *NameTakenError (the deletion stays
// pending: rename the other profile and restore again); a deletion already
// purged or restored is ErrPurged.
func (x *Deleted) Restore() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done {
		return ErrPurged
	}
	err := x.d.store.Update(func(f *storage.File) error {
		if _, err := f.ByName(x.Profile.Name); err == nil {
			return &NameTakenError{x.Profile.Name}
		}
		_, err := f.Put(x.Profile)
		return err
	})
	if err != nil {
		return err
	}
	x.finish()
	return nil
}

// Purge removes what the keychain holds for the profile; the deletion can
// no longer be undone. A keychain that did not follow is a
// *KeychainError. Purging twice, or after a Restore, does nothing.
func (x *Deleted) Purge() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done {
		return nil
	}
	x.finish()
	if err := x.d.keys.Forget(x.Profile.ID); err != nil {
		return &KeychainError{Name: x.Profile.Name, Err: err}
	}
	return nil
}

// finish marks x done and no longer pending; x.mu is held.
func (x *Deleted) finish() {
	x.done = true
	x.d.mu.Lock()
	delete(x.d.pending, x)
	x.d.mu.Unlock()
}

// Close purges every deletion still pending: a process that ends within
// the time to undo leaves no keychain items behind.
func (d *Desk) Close() error {
	d.mu.Lock()
	var all []*Deleted
	for x := range d.pending {
		all = append(all, x)
	}
	d.mu.Unlock()
	var errs []error
	for _, x := range all {
		errs = append(errs, x.Purge())
	}
	return errors.Join(errs...)
}

// Duplicate adds a copy of the settings of the profile with ID srcID, with
// c applied (at least a new name), under a new ID. No secret is copied:
// c.Secret is the copy's client secret (required as for Add), a key style
// gets c.KeyFile or a new key, and a secret header needs its value in
// c.Headers. A source deleted meanwhile is ErrGone.
func (d *Desk) Duplicate(srcID string, c Change) (Saved, error) {
	f, err := d.store.Load()
	if err != nil {
		return Saved{}, err
	}
	p, err := f.ByID(srcID)
	if err != nil {
		return Saved{}, ErrGone
	}
	c.apply(&p)
	for _, h := range p.Headers {
		if h.Secret && h.Value == "" && h.Ref == "" {
			return Saved{}, fmt.Errorf("header %s: %w", h.Name, ErrHeaderValueRequired)
		}
	}
	all := Fields(p)
	all.Secret, all.KeyFile, all.CertFile, all.EnvColor = c.Secret, c.KeyFile, c.CertFile, c.EnvColor
	return d.Add(all)
}
