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
//
// The items of team profiles (a cached token, a sign-in) are not the
// profiles file's to judge: those of team files read now are owned, and
// the others are returned apart as team, never removed, for a team file
// may be read in another shell ($TOKENDESK_TEAM) or again after a move.
func (d *Desk) Orphans(remove bool) (orphans, team []storage.Entry, err error) {
	en, ok := d.keys.(Enumerator)
	if !ok {
		return nil, nil, storage.ErrCannotList
	}
	read := map[string]bool{} // team profiles read now, hidden ones too
	if f, err := d.store.Load(); err == nil {
		for _, tf := range f.Team.Files {
			for _, p := range tf.Profiles {
				read[p.ID] = true
			}
		}
	}
	err = d.store.Update(func(f *storage.File) error {
		entries, err := en.Entries()
		if err != nil {
			return err
		}
		owned := map[string]bool{}
		for _, p := range f.Profiles {
			owned[p.ID] = true
		}
		for _, e := range entries {
			id := e.ProfileID()
			switch {
			case owned[id] || read[id]:
			case storage.IsTeamID(id):
				team = append(team, e)
			default:
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
		return nil, nil, err
	}
	return orphans, team, nil
}
