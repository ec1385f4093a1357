package core

import (
	"fmt"
	"maps"

	"github.com/tokendesk/tokendesk/model"
)

// TeamError is an edit or delete of a team profile, which belongs to its
// team file: a person changes it there (in the team's repository), or
// duplicates it into a profile of their own.
type TeamError struct {
	Name string
	// File is the team file the profile comes from.
	File string
}

func (e *TeamError) Error() string {
	return fmt.Sprintf("profile %q comes from the team file %s and is read-only here: change it there, or duplicate it to make your own copy", e.Name, e.File)
}

// teamProfile says whether id is a team profile's, and which, by loading
// the profiles as the faces see them.
func (d *Desk) teamProfile(id string) error {
	f, err := d.store.Load()
	if err != nil {
		return nil // the edit itself will say what is wrong with the file
	}
	if p, err := f.ByID(id); err == nil && p.Team != "" {
		return &TeamError{Name: p.Name, File: p.Team}
	}
	return nil
}

// usesRef says whether p's credential is a secret reference, so there is
// nothing for the keychain to hold or generate.
func usesRef(p model.Profile) bool { return p.SecretRef != "" }

// refsChanged says whether an edit changed where the client secret or a
// token-request header's value comes from, which retires the cached
// token as a new secret does.
func refsChanged(old, p model.Profile) bool {
	if old.SecretRef != p.SecretRef {
		return true
	}
	refs := func(q model.Profile) map[string]string {
		m := map[string]string{}
		for _, h := range q.TokenHeaders() {
			m[h.Name] = h.Ref
		}
		return m
	}
	return !maps.Equal(refs(old), refs(p))
}
