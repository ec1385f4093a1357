// Package storage keeps Token Desk's data: the profiles file (settings only,
// never secrets) and the keychain, which holds each profile's secrets and
// its cached token.
package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
)

// FileVersion is the version of the profiles file this build writes.
const FileVersion = 1

// FileName is the profiles file's name inside the config directory.
const FileName = "profiles.json"

// MaxFileSize is the largest profiles file read; a larger one is refused
// (atomicfile.ErrTooLarge) rather than read into memory.
const MaxFileSize = 64 << 20

// ErrNotFound is returned when a profile, secret or cached token does not exist.
var ErrNotFound = errors.New("not found")

// Settings are the preferences both faces share.
type Settings struct {
	// ClearClipboardSeconds clears a copied token after this long; zero
	// means 45 seconds, a negative value never.
	ClearClipboardSeconds int `json:"clearClipboardSeconds,omitempty"`
	// RefreshMarginSeconds: a cached token with less than this left is
	// replaced; zero means 60 seconds.
	RefreshMarginSeconds int `json:"refreshMarginSeconds,omitempty"`
	// NoNotifications turns desktop notifications off.
	NoNotifications bool `json:"noNotifications,omitempty"`
	// TeamFiles are team files, or directories of them, whose profiles
	// are shown beside the person's own (LoadTeams); a relative path is
	// relative to the config directory.
	TeamFiles []string `json:"teamFiles,omitempty"`
	// TeamAllowed are the team files this person allowed, by path, with
	// the SHA-256 of each one's content as allowed: only while a file is
	// so may its profiles resolve secret references or request tokens
	// (CheckTeam). It lives here, never in a team file.
	TeamAllowed map[string]AllowedTeam `json:"teamAllowed,omitempty"`
}

// File is the whole profiles file.
type File struct {
	Version  int             `json:"version"`
	Profiles []model.Profile `json:"profiles"`
	// EnvColors remembers the badge colour chosen per environment label,
	// as #rrggbb.
	EnvColors map[string]string `json:"envColors,omitempty"`
	Settings  Settings          `json:"settings"`
	// Team says what Load found in the team files; their profiles are in
	// Profiles, marked (Profile.Team). Update never sees them.
	Team Team `json:"-"`
}

// ByName returns the profile with that name.
func (f *File) ByName(name string) (model.Profile, error) {
	for _, p := range f.Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return model.Profile{}, fmt.Errorf("profile %q: %w", name, ErrNotFound)
}

// ByID returns the profile with that ID.
func (f *File) ByID(id string) (model.Profile, error) {
	for _, p := range f.Profiles {
		if p.ID == id {
			return p, nil
		}
	}
	return model.Profile{}, fmt.Errorf("profile %s: %w", id, ErrNotFound)
}

// Put validates p and adds it, or replaces the profile with the same ID.
// A profile without an ID gets a new one. It returns the stored profile.
func (f *File) Put(p model.Profile) (model.Profile, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	for _, q := range f.Profiles {
		if q.Name == p.Name && q.ID != p.ID {
			return p, fmt.Errorf("a profile named %q already exists", p.Name)
		}
	}
	if p.ID == "" {
		p.ID = model.NewID()
	}
	for i, q := range f.Profiles {
		if q.ID == p.ID {
			f.Profiles[i] = p
			return p, nil
		}
	}
	f.Profiles = append(f.Profiles, p)
	return p, nil
}

// Remove deletes the profile with that ID.
func (f *File) Remove(id string) error {
	for i, q := range f.Profiles {
		if q.ID == id {
			f.Profiles = append(f.Profiles[:i], f.Profiles[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("profile %s: %w", id, ErrNotFound)
}

// ParseError says that the profiles file exists but cannot be used. The file
// is left as it is: nothing is written over it.
type ParseError struct {
	Path string
	Err  error
	// Backup is the copy from before the last save, when it can be read
	// whole (Store.Update keeps it beside the file); "" when not.
	Backup string
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("profiles file %s cannot be read (%v); it was left untouched — 'tokendesk repair' keeps what can be read, 'tokendesk repair --fresh' starts over (both keep the broken file)", e.Path, e.Err)
	if e.Backup != "" {
		s += fmt.Sprintf("; the version from before the last save is whole, at %s: copy it over the file to go back to it", e.Backup)
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// Store reads and writes the profiles file in one directory.
type Store struct {
	dir string
}

// DefaultDir is where the profiles file lives: $TOKENDESK_CONFIG_DIR, or
// tokendesk under the user's config directory.
func DefaultDir() (string, error) {
	if d := os.Getenv("TOKENDESK_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w", err)
	}
	return filepath.Join(base, "tokendesk"), nil
}

// Open returns the store for dir; nothing is read or created until used.
func Open(dir string) *Store { return &Store{dir: dir} }

// Path is the profiles file's path.
func (s *Store) Path() string { return filepath.Join(s.dir, FileName) }

// Dir is the config directory.
func (s *Store) Dir() string { return s.dir }

// Load reads the profiles file, and the team files its settings and
// $TOKENDESK_TEAM name (File.Team says what they held). A missing file is
// an empty one; a team file that cannot be used leaves the rest loaded.
func (s *Store) Load() (*File, error) {
	f, err := s.loadOwn()
	if err != nil {
		return nil, err
	}
	team, report := LoadTeams(TeamPaths(f.Settings, s.dir), f.Settings.TeamAllowed)
	var notes []string
	var hides map[string]string
	f.Profiles, notes, hides = MergeTeam(f.Profiles, team)
	f.Team, f.Team.Notes, f.Team.Hides = report, append(report.Notes, notes...), hides
	return f, nil
}

// loadOwn reads the person's own profiles file.
func (s *Store) loadOwn() (*File, error) {
	data, err := s.read()
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Version: FileVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := s.parse(data)
	var pe *ParseError
	if errors.As(err, &pe) {
		bak := s.Path() + ".bak"
		if b, rerr := atomicfile.ReadFile(bak, MaxFileSize); rerr == nil {
			if _, perr := s.parse(b); perr == nil {
				pe.Backup = bak
			}
		}
	}
	return f, err
}

// read reads the profiles file: a regular file, or a symbolic link to one,
// of at most MaxFileSize. A pipe or a device in its place is refused, not
// waited on or read without end.
func (s *Store) read() ([]byte, error) {
	data, err := atomicfile.ReadFile(s.Path(), MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	return data, nil
}

// makeDir creates the config directory, or makes an existing one private
// again: profiles are not secrets, but what is in them (client IDs, URLs)
// is no one else's business, and the temporary files pass through it.
func (s *Store) makeDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	if runtime.GOOS == "windows" {
		return nil // no Unix permission bits; the user's AppData is theirs alone
	}
	st, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("config directory: %w", err)
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(s.dir, 0o700); err != nil {
			return fmt.Errorf("make config directory %s private (mode 0700): %w", s.dir, err)
		}
	}
	return nil
}

func (s *Store) parse(data []byte) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, &ParseError{Path: s.Path(), Err: describeJSONError(data, err)}
	}
	if dec.More() {
		return nil, &ParseError{Path: s.Path(), Err: errors.New("extra data after the JSON object")}
	}
	if f.Version == 0 {
		return nil, &ParseError{Path: s.Path(), Err: errors.New(`no "version" field`)}
	}
	if f.Version > FileVersion {
		return nil, &ParseError{Path: s.Path(), Err: fmt.Errorf("version %d was written by a newer Token Desk (this one reads up to %d)", f.Version, FileVersion)}
	}
	seen := map[string]bool{}
	for i, p := range f.Profiles {
		if p.ID == "" || p.Name == "" {
			return nil, &ParseError{Path: s.Path(), Err: fmt.Errorf("profile %d has no id or name", i+1)}
		}
		if seen[p.ID] || seen["name:"+p.Name] {
			return nil, &ParseError{Path: s.Path(), Err: fmt.Errorf("profile %q appears twice", p.Name)}
		}
		seen[p.ID], seen["name:"+p.Name] = true, true
	}
	return &f, nil
}

// describeJSONError adds the line and column to a syntax error.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// Update runs fn on the current file under an exclusive lock and saves the
// result atomically if fn succeeds, so that two processes (the window and
// the CLI) never lose each other's changes. A file that cannot be parsed is
// never written over.
func (s *Store) Update(fn func(*File) error) error {
	if err := s.makeDir(); err != nil {
		return err
	}
	lock := flock.New(filepath.Join(s.dir, FileName+".lock"))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("lock profiles file: %w", err)
	}
	defer func() { _ = lock.Unlock() }()

	old, err := s.read()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f := &File{Version: FileVersion}
	if old != nil {
		if f, err = s.parse(old); err != nil {
			return err
		}
	}
	if err := fn(f); err != nil {
		return err
	}
	if old != nil {
		// The previous version stays beside it, in case a change was a mistake.
		if err := save(s.Path()+".bak", old); err != nil {
			return fmt.Errorf("back up profiles: %w", err)
		}
	}
	return s.write(f)
}

// Salvage reads what it can of a profiles file that does not parse: every
// whole, valid profile before the damage. skipped says what was left out.
func (s *Store) Salvage() (f *File, skipped []string, err error) {
	data, err := s.read()
	if err != nil {
		return nil, nil, err
	}
	f = &File{Version: FileVersion}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return f, []string{"the file is not a JSON object: nothing could be read"}, nil
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		switch t {
		case "profiles":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				skipped = append(skipped, `"profiles" is not a list`)
				return f, skipped, nil
			}
			for i := 1; dec.More(); i++ {
				var p model.Profile
				if err := dec.Decode(&p); err != nil {
					skipped = append(skipped, fmt.Sprintf("profile %d and after: %v", i, err))
					return f, skipped, nil
				}
				switch {
				case p.ID == "" || p.Name == "":
					skipped = append(skipped, fmt.Sprintf("profile %d: no id or name", i))
				case seen[p.ID] || seen["n:"+p.Name]:
					skipped = append(skipped, fmt.Sprintf("profile %d (%q): appears twice", i, p.Name))
				case p.Validate() != nil:
					skipped = append(skipped, fmt.Sprintf("profile %d (%q): %v", i, p.Name, p.Validate()))
				default:
					seen[p.ID], seen["n:"+p.Name] = true, true
					f.Profiles = append(f.Profiles, p)
				}
			}
			if _, err := dec.Token(); err != nil {
				return f, skipped, nil
			}
		case "envColors":
			_ = dec.Decode(&f.EnvColors)
		case "settings":
			_ = dec.Decode(&f.Settings)
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return f, skipped, nil
			}
		}
	}
	return f, skipped, nil
}

// Recover sets a broken profiles file aside, renamed with the time, and
// saves f in its place: the way out of a ParseError, taken only when a
// person asks. It returns where the broken file went.
func (s *Store) Recover(f *File, now time.Time) (string, error) {
	if err := s.makeDir(); err != nil {
		return "", err
	}
	lock := flock.New(filepath.Join(s.dir, FileName+".lock"))
	if err := lock.Lock(); err != nil {
		return "", fmt.Errorf("lock profiles file: %w", err)
	}
	defer func() { _ = lock.Unlock() }()
	aside := s.Path() + ".broken-" + now.Format("20060102-150405")
	if err := os.Rename(s.Path(), aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("set the broken file aside: %w", err)
	}
	return aside, s.write(f)
}

func (s *Store) write(f *File) error {
	f.Version = FileVersion
	if f.Profiles == nil {
		f.Profiles = []model.Profile{}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode profiles: %w", err)
	}
	data = append(data, '\n')
	if err := save(s.Path(), data); err != nil {
		return fmt.Errorf("save profiles: %w", err)
	}
	return nil
}

// save writes a file of the config directory atomically, mode 0600 whatever
// mode it had, through a symbolic link to the file it points to (a
// profiles file kept with a person's dotfiles stays there), after removing
// the temporary files of a writer killed before it finished. Callers hold
// the lock, so no temporary file is in use.
func save(path string, data []byte) error {
	target, err := atomicfile.Resolve(path)
	if err != nil {
		return err
	}
	atomicfile.Sweep(path) // left by a writer before the link was made
	if target != path {
		atomicfile.Sweep(target)
	}
	return atomicfile.WriteFile(target, data, 0o600)
}
