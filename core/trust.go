package core

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tokendesk/tokendesk/storage"
)

// ErrNoTeamFile is a team file named that Token Desk does not read.
var ErrNoTeamFile = errors.New("not a team file Token Desk reads (they are named by $TOKENDESK_TEAM and the settings' teamFiles)")

// TeamFiles returns the team files Token Desk reads, each with whether the
// person allowed it as it is now and the profiles it holds.
func (d *Desk) TeamFiles() ([]storage.TeamFile, error) {
	f, err := d.store.Load()
	if err != nil {
		return nil, err
	}
	return f.Team.Files, nil
}

// FindTeamFile is the team file of files that name names: its path
// (relative to the working directory, or absolute), or its base name when
// only one file has it.
func FindTeamFile(files []storage.TeamFile, name string) (storage.TeamFile, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	var byBase []storage.TeamFile
	for _, tf := range files {
		if tf.Path == abs || tf.Path == name {
			return tf, nil
		}
		if filepath.Base(tf.Path) == name {
			byBase = append(byBase, tf)
		}
	}
	switch len(byBase) {
	case 1:
		return byBase[0], nil
	case 0:
		return storage.TeamFile{}, fmt.Errorf("team file %s: %w", name, ErrNoTeamFile)
	}
	return storage.TeamFile{}, fmt.Errorf("team file %s: several team files have that name; give its path", name)
}

// AllowTeam lets the profiles of team file tf resolve their secret
// references and request tokens, for its content as tf shows it (tf.Sum):
// if the file changed since, nothing is allowed (storage.ErrTeamMoved). A
// file that cannot be used (one holding a secret, say) is not allowed.
func (d *Desk) AllowTeam(tf storage.TeamFile) error {
	if tf.Err != nil {
		return fmt.Errorf("allow team file %s: it cannot be used: %w", tf.Path, tf.Err)
	}
	return d.store.Update(func(f *storage.File) error { return storage.AllowTeam(f, tf.Path, tf.Sum) })
}

// DenyTeam takes back the allowing of the team file at path: its profiles
// stay listed but resolve no secret and request no token. It says whether
// the file was allowed.
func (d *Desk) DenyTeam(path string) (had bool, err error) {
	err = d.store.Update(func(f *storage.File) error {
		had = storage.DenyTeam(f, path)
		return nil
	})
	return had, err
}
