package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
)

// A team file is shared text that anyone with a commit to the team's
// repository can change: it names both where a token request goes and
// which secret a reference reads. So, as direnv does with .envrc, a team
// file is trusted only as the person allowed it: the SHA-256 of its
// content is kept in their own settings (Settings.TeamAllowed), and a
// changed file needs allowing again.

// ErrTeamNotAllowed is a team profile whose file the person has not
// allowed as it is now (errors.Is on a *TeamTrustError).
var ErrTeamNotAllowed = errors.New("team file not allowed")

// ErrTeamMoved is an allow whose team file changed between being shown
// and being allowed.
var ErrTeamMoved = errors.New("the team file changed while you looked at it; look again")

// TeamTrustError is a team profile refused its secret, or its token,
// because its team file is not allowed as it is now.
type TeamTrustError struct {
	// Path is the team file.
	Path string
	// Changed says the file was allowed once and has changed since.
	Changed bool
}

func (e *TeamTrustError) Error() string {
	if e.Changed {
		return fmt.Sprintf("team file %s changed since you allowed it: check its token URLs and secret references ('tokendesk team list'), then run 'tokendesk team allow %s', or Allow in the window", e.Path, e.Path)
	}
	return fmt.Sprintf("team file %s is not allowed: its profiles may read your secrets only once you allow it; check its token URLs and secret references ('tokendesk team list'), then run 'tokendesk team allow %s', or Allow in the window", e.Path, e.Path)
}

// Is makes errors.Is(err, ErrTeamNotAllowed) true.
func (e *TeamTrustError) Is(target error) bool { return target == ErrTeamNotAllowed }

// CheckTeam says whether p may have its secret references resolved and
// its token requested: nil for a person's own profile and for a team
// profile whose file is allowed as it was read, a *TeamTrustError
// otherwise.
func CheckTeam(p model.Profile) error {
	if p.Team == "" || p.TeamTrust == model.TrustAllowed {
		return nil
	}
	return &TeamTrustError{Path: p.Team, Changed: p.TeamTrust == model.TrustChanged}
}

// TeamFile is one team file as read: its content's digest, whether the
// person allowed it as it is, and what it holds.
type TeamFile struct {
	// Path is the file, absolute.
	Path string
	// Sum is the hex SHA-256 of the content read; empty when it could not
	// be read.
	Sum string
	// Trust says whether the person allowed this content.
	Trust model.Trust
	// Profiles are the file's valid profiles, those hidden by another of
	// the same name included: what allowing it trusts.
	Profiles []model.Profile
	// Err is why the file could not be used; nil when it could.
	Err error
}

// trustOf is the trust the settings' allowed digests give a file of
// digest sum at path.
func trustOf(allowed map[string]string, path, sum string) model.Trust {
	got, ok := allowed[path]
	switch {
	case !ok:
		return model.TrustNone
	case got == sum && sum != "":
		return model.TrustAllowed
	}
	return model.TrustChanged
}

// sumOf is the hex SHA-256 of data.
func sumOf(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// AllowTeam records in f's settings that the person allows the team file
// at path as it is now, provided its content is still the one of digest
// sum that was shown to them (ErrTeamMoved otherwise). Run it inside
// Store.Update.
func AllowTeam(f *File, path, sum string) error {
	data, err := atomicfile.ReadFile(path, MaxFileSize)
	if err != nil {
		return fmt.Errorf("allow team file %s: %w", path, err)
	}
	if sumOf(data) != sum {
		return fmt.Errorf("allow team file %s: %w", path, ErrTeamMoved)
	}
	if f.Settings.TeamAllowed == nil {
		f.Settings.TeamAllowed = map[string]string{}
	}
	f.Settings.TeamAllowed[path] = sum
	return nil
}

// DenyTeam removes the person's allowing of the team file at path from
// f's settings; it says whether there was one. Run it inside Store.Update.
func DenyTeam(f *File, path string) bool {
	_, had := f.Settings.TeamAllowed[path]
	delete(f.Settings.TeamAllowed, path)
	if len(f.Settings.TeamAllowed) == 0 {
		f.Settings.TeamAllowed = nil
	}
	return had
}
