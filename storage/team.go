package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
)

// TeamEnv names the environment variable that lists team files (or
// directories of them), separated as PATH is, besides those in the
// settings.
const TeamEnv = "TOKENDESK_TEAM"

// Team is what reading the team files found: which files to watch for a
// change, which were refused and why, and which team profiles a person's
// own profile (or an earlier team file's) hides.
type Team struct {
	// Watch is every team file read and every directory listed: what a
	// live reload watches (a directory for files added to it).
	Watch []string
	// Errs are the team files that could not be used (*TeamFileError, and
	// errors.Is ErrTeamSecret for one holding a secret).
	Errs []error
	// Notes say which team profiles are hidden by a profile of the same
	// name, and which were left out as invalid.
	Notes []string
	// Files are the team files read, in order, with their trust.
	Files []TeamFile
	// Hides maps the name of each of the person's own profiles that hides
	// a team profile of that name to the team file.
	Hides map[string]string
}

// ErrTeamSecret is a team file that holds a secret: the whole file is
// refused, for a secret in a team's repository is a leak to be fixed at
// its source, not read around.
var ErrTeamSecret = errors.New("a team file must never hold a secret")

// TeamFileError is a team file that could not be used.
type TeamFileError struct {
	Path string
	// Line is where the problem is; zero when the file as a whole is.
	Line int
	Err  error
}

func (e *TeamFileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("team file %s, line %d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("team file %s: %v", e.Path, e.Err)
}

func (e *TeamFileError) Unwrap() error { return e.Err }

// TeamPaths lists the team files and directories s names and
// $TOKENDESK_TEAM adds. A relative path in the settings is relative to
// the config directory dir.
func TeamPaths(s Settings, dir string) []string {
	var out []string
	for _, p := range s.TeamFiles {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		out = append(out, p)
	}
	for _, p := range filepath.SplitList(os.Getenv(TeamEnv)) {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out = append(out, p)
	}
	return out
}

// LoadTeams reads the team files at paths (a directory stands for the
// *.json files in it, in name order) and returns their profiles, each
// marked with its file (Profile.Team), the trust the person's allowed
// digests give that file (Profile.TeamTrust) and an ID of its own. A file
// that cannot be used is left out and reported in Team.Errs; the others
// still load.
func LoadTeams(paths []string, allowed map[string]AllowedTeam) ([]model.Profile, Team) {
	var t Team
	var out []model.Profile
	seen := map[string]string{} // name → team file
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			t.Watch = append(t.Watch, p)
			matches, _ := filepath.Glob(filepath.Join(p, "*.json"))
			slices.Sort(matches)
			files = matches
		}
		for _, file := range files {
			t.Watch = append(t.Watch, file)
			ps, notes, sum, err := loadTeamFile(file)
			tf := TeamFile{Path: file, Sum: sum, Trust: trustOf(allowed, file, sum), Profiles: ps, Err: err}
			t.Notes = append(t.Notes, notes...)
			if err != nil {
				t.Files = append(t.Files, tf)
				t.Errs = append(t.Errs, err)
				continue
			}
			for i := range tf.Profiles {
				tf.Profiles[i].TeamTrust = tf.Trust
			}
			if tf.Trust == model.TrustChanged {
				tf.Changed = changedSince(allowed[file], tf.Profiles)
			}
			t.Files = append(t.Files, tf)
			for _, q := range tf.Profiles {
				if other, dup := seen[q.Name]; dup {
					t.Notes = append(t.Notes, fmt.Sprintf("team profile %q in %s is hidden by the one in %s", q.Name, file, other))
					continue
				}
				seen[q.Name] = file
				out = append(out, q)
			}
		}
	}
	return out, t
}

// MergeTeam adds team profiles to a person's own: their own profile of
// the same name wins, and a note says which team profile it hides; hides
// maps each such own profile's name to the team file.
func MergeTeam(own, team []model.Profile) (all []model.Profile, notes []string, hides map[string]string) {
	all = slices.Clone(own)
	for _, q := range team {
		if slices.ContainsFunc(own, func(p model.Profile) bool { return p.Name == q.Name }) {
			notes = append(notes, fmt.Sprintf("your profile %q hides the team profile of that name in %s", q.Name, q.Team))
			if hides == nil {
				hides = map[string]string{}
			}
			hides[q.Name] = q.Team
			continue
		}
		all = append(all, q)
	}
	return all, notes, hides
}

// teamFormat is the file `tokendesk export profiles` writes, which is
// what a team file is.
type teamFormat struct {
	Format   string          `json:"tokendeskProfiles"`
	Profiles []model.Profile `json:"profiles"`
}

// LoadTeamFile reads one team file. A file with a secret in it is refused
// whole (errors.Is ErrTeamSecret), naming the line; a profile that is not
// valid is left out with a note.
func LoadTeamFile(path string) ([]model.Profile, []string, error) {
	ps, notes, _, err := loadTeamFile(path)
	return ps, notes, err
}

// loadTeamFile is LoadTeamFile that also returns the digest of the
// content it read, which is what a person allows.
func loadTeamFile(path string) (_ []model.Profile, _ []string, sum string, _ error) {
	data, err := atomicfile.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, nil, "", &TeamFileError{Path: path, Err: err}
	}
	sum = sumOf(data)
	if line, what := findSecret(data); line > 0 {
		return nil, nil, sum, &TeamFileError{Path: path, Line: line,
			Err: fmt.Errorf("%s: %w; remove it (a secret reference such as op://… or vault://… may stand in its place) and rotate the secret", what, ErrTeamSecret)}
	}
	var f teamFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, nil, sum, &TeamFileError{Path: path, Err: describeJSONError(data, err)}
	}
	if f.Format == "" {
		return nil, nil, sum, &TeamFileError{Path: path, Err: errors.New(`not a team file: no "tokendeskProfiles" field (write one with 'tokendesk export profiles')`)}
	}
	var out []model.Profile
	var notes []string
	names := map[string]bool{}
	for i, p := range f.Profiles {
		p.ID, p.Team = TeamID(path, p.Name), path
		if err := p.Validate(); err != nil {
			notes = append(notes, fmt.Sprintf("team file %s: profile %d (%q) left out: %v", path, i+1, p.Name, err))
			continue
		}
		if names[p.Name] {
			notes = append(notes, fmt.Sprintf("team file %s: profile %q appears twice; the first is used", path, p.Name))
			continue
		}
		names[p.Name] = true
		out = append(out, p)
	}
	return out, notes, sum, nil
}

// TeamID is the ID of the team profile name from the team file path:
// stable while the file stays where it is, so its cached token is found
// again, and never one a person's own profile has.
func TeamID(path, name string) string {
	sum := sha256.Sum256([]byte(path + "\x00" + name))
	return teamIDPrefix + hex.EncodeToString(sum[:8])
}

const teamIDPrefix = "team-"

// IsTeamID says whether id is a team profile's (TeamID), which a person's
// own profile never has.
func IsTeamID(id string) bool { return strings.HasPrefix(id, teamIDPrefix) }

// findSecret looks through a team file for a secret: a client secret's
// value, a PEM private key anywhere, a secret header's value. It returns
// the line (from 1) and what it found, or 0.
func findSecret(data []byte) (line int, what string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(off, int64(len(data)))], []byte("\n")) }
	var walk func(key string) (int, string)
	// walk reads one value (its key in the enclosing object given) and
	// reports the first secret in it.
	walk = func(key string) (int, string) {
		tok, err := dec.Token()
		if err != nil {
			return 0, ""
		}
		at := lineAt(dec.InputOffset())
		switch v := tok.(type) {
		case string:
			if strings.Contains(v, "PRIVATE KEY-----") {
				return at, "a private key"
			}
			if v != "" && secretField(key) {
				return at, fmt.Sprintf("a secret (%q)", key)
			}
		case json.Delim:
			switch v {
			case '[':
				for dec.More() { // params hold lists: "client_secret": ["…"]
					if l, w := walk(key); l > 0 {
						return l, w
					}
				}
				_, _ = dec.Token()
			case '{':
				// A header object is secret when it says so; its value
				// may come before or after that.
				secret, valueLine := false, 0
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return 0, ""
					}
					k, _ := kt.(string)
					switch k {
					case "secret":
						var b bool
						if dec.Decode(&b) == nil && b {
							secret = true
						}
						continue
					case "value":
						var s any
						if err := dec.Decode(&s); err != nil {
							return 0, ""
						}
						if str, ok := s.(string); ok && str != "" {
							valueLine = lineAt(dec.InputOffset())
							if strings.Contains(str, "PRIVATE KEY-----") {
								return valueLine, "a private key"
							}
						}
						continue
					}
					if l, w := walk(k); l > 0 {
						return l, w
					}
				}
				_, _ = dec.Token()
				if secret && valueLine > 0 {
					return valueLine, "a secret header's value"
				}
			}
		}
		return 0, ""
	}
	if l, w := walk(""); l > 0 {
		return l, w
	}
	return 0, ""
}

// secretField says whether a field of this name holds a secret.
func secretField(key string) bool {
	k := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(key))
	switch k {
	case "clientsecret", "secret", "privatekey", "password", "accesstoken", "refreshtoken", "token":
		return true
	}
	return false
}

// OwnProfiles are the profiles of ps that are the person's own, not a
// team's: what "all profiles" means for an export.
func OwnProfiles(ps []model.Profile) []model.Profile {
	var out []model.Profile
	for _, p := range ps {
		if p.Team == "" {
			out = append(out, p)
		}
	}
	return out
}
