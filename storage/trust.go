package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

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
	// Changed names, for a file changed since it was allowed, the
	// profiles whose token URL or secret references differ from what was
	// allowed, or that are new.
	Changed []string
}

// AllowedTeam is a team file as the person allowed it.
type AllowedTeam struct {
	// SHA256 is the hex digest of the file's content as allowed.
	SHA256 string `json:"sha256"`
	// Sends is, by profile name, where its token request went and which
	// references it read (sends), to say what changed since.
	Sends map[string]string `json:"sends,omitempty"`
}

// trustOf is the trust the settings' allowed files give a file of digest
// sum at path.
func trustOf(allowed map[string]AllowedTeam, path, sum string) model.Trust {
	got, ok := allowed[path]
	switch {
	case !ok:
		return model.TrustNone
	case got.SHA256 == sum && sum != "":
		return model.TrustAllowed
	}
	return model.TrustChanged
}

// sends is where p's token request goes and which secret references it
// reads: what allowing its team file trusts.
func sends(p model.Profile) string {
	parts := append([]string{p.TokenURL}, TeamRefs(p)...)
	return strings.Join(parts, " ")
}

// TeamRefs lists p's secret references: "secret op://…", "header
// X-Api-Key vault://…".
func TeamRefs(p model.Profile) []string {
	var out []string
	if p.SecretRef != "" {
		out = append(out, "secret "+p.SecretRef)
	}
	for _, h := range p.Headers {
		if h.Ref != "" {
			out = append(out, "header "+h.Name+" "+h.Ref)
		}
	}
	return out
}

// changedSince names the profiles of ps whose token URL or references
// differ from what a was allowed with, or that are new.
func changedSince(a AllowedTeam, ps []model.Profile) []string {
	var out []string
	for _, p := range ps {
		if was, ok := a.Sends[p.Name]; !ok || was != sends(p) {
			out = append(out, p.Name)
		}
	}
	return out
}

// sumOf is the hex SHA-256 of data.
func sumOf(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// AllowTeam records in f's settings that the person allows the team file
// at path as it is now, provided its content is still the one of digest
// sum that was shown to them (ErrTeamMoved otherwise). A file that cannot
// be used is not allowed. Run it inside Store.Update.
func AllowTeam(f *File, path, sum string) error {
	ps, _, now, err := loadTeamFile(path)
	if now != sum && now != "" {
		return fmt.Errorf("allow team file %s: %w", path, ErrTeamMoved)
	}
	if err != nil {
		return fmt.Errorf("allow: %w", err)
	}
	a := AllowedTeam{SHA256: sum, Sends: map[string]string{}}
	for _, p := range ps {
		a.Sends[p.Name] = sends(p)
	}
	if f.Settings.TeamAllowed == nil {
		f.Settings.TeamAllowed = map[string]AllowedTeam{}
	}
	f.Settings.TeamAllowed[path] = a
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
