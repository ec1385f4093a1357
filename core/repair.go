package core

import (
	"errors"

	"github.com/tokendesk/tokendesk/storage"
)

// Enumerator is a keychain that can list and remove Token Desk's items
// (storage.Keychain; storage.ErrCannotList where the platform's keychain
// cannot list).
type Enumerator interface {
	Entries() ([]storage.Entry, error)
	DeleteEntry(e storage.Entry) error
}

// errKeep ends an Update that must not write the file.
var errKeep = errors.New("nothing to write")

// Orphans lists the keychain items that no profile in the profiles file
// owns, such as those of an add killed before it saved the profile. With
// remove it deletes them too. Both run under the file's lock, so an add
// under way is never taken for an orphan. A keychain that cannot list is
// storage.ErrCannotList.
func (d *Desk) Orphans(remove bool) ([]storage.Entry, error) {
	en, ok := d.keys.(Enumerator)
	if !ok {
		return nil, storage.ErrCannotList
	}
	var orphans []storage.Entry
	err := d.store.Update(func(f *storage.File) error {
		entries, err := en.Entries()
		if err != nil {
			return err
		}
		owned := map[string]bool{}
		for _, p := range f.Profiles {
			owned[p.ID] = true
		}
		for _, e := range entries {
			if !owned[e.ProfileID()] {
				orphans = append(orphans, e)
			}
		}
		if remove {
			for _, e := range orphans {
				if err := en.DeleteEntry(e); err != nil {
					return err
				}
			}
		}
		return errKeep
	})
	if err != nil && !errors.Is(err, errKeep) {
		return nil, err
	}
	return orphans, nil
}
