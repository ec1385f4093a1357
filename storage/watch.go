package storage

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// MarksDir is the directory, inside the config directory, where a process
// that caches or forgets a token leaves a marker for each profile it
// touched: the keychain cannot be watched, this directory can, so an open
// window notices a token the command line fetched. A marker holds only
// when it was written; it exists while the profile has a cached token.
const MarksDir = "tokens.changed"

// MarkTokens wraps ss so that caching a profile's token writes its marker
// in dir's MarksDir and forgetting it removes the marker. A marker that
// cannot be written costs only the window's notice, never the token. A
// Keychain over it takes its refresh locks in dir too (LockRefresh).
func MarkTokens(ss SecretStore, dir string) SecretStore {
	return tokenMarks{SecretStore: ss, dir: dir}
}

type tokenMarks struct {
	SecretStore
	dir string
}

// List names what the wrapped store holds, where it can (Lister).
func (m tokenMarks) List() ([]string, error) {
	l, ok := m.SecretStore.(Lister)
	if !ok {
		return nil, ErrCannotList
	}
	return l.List()
}

// Set files value under user and marks a cached token as changed.
func (m tokenMarks) Set(user, value string) error {
	err := m.SecretStore.Set(user, value)
	if id, ok := tokenOwner(user); ok && err == nil {
		_ = MarkToken(m.dir, id)
	}
	return err
}

// Send files value under user without waiting where the wrapped store can
// (Sender), else as Set does, and marks a cached token as changed.
func (m tokenMarks) Send(user, value string) error {
	snd, ok := m.SecretStore.(Sender)
	if !ok {
		return m.Set(user, value)
	}
	err := snd.Send(user, value)
	if id, ok := tokenOwner(user); ok && err == nil {
		_ = MarkToken(m.dir, id)
	}
	return err
}

// Delete removes what is filed under user and a cached token's marker.
func (m tokenMarks) Delete(user string) error {
	err := m.SecretStore.Delete(user)
	if id, ok := tokenOwner(user); ok && (err == nil || errors.Is(err, ErrNotFound)) {
		_ = unmarkToken(m.dir, id)
	}
	return err
}

// tokenOwner returns the profile whose cached token user files, if it
// files one.
func tokenOwner(user string) (string, bool) {
	id, ok := strings.CutSuffix(user, tokenKey(""))
	return id, ok && id != ""
}

// MarkToken says that profile id's cached token changed, by writing its
// marker in dir's MarksDir.
func MarkToken(dir, id string) error {
	d := filepath.Join(dir, MarksDir)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return fmt.Errorf("mark token change: %w", err)
	}
	// Written in place, not renamed over: every platform's watcher reports a
	// write to a file in a watched directory, and no temporary file appears.
	if err := writeStamp(filepath.Join(d, markName(id))); err != nil {
		return fmt.Errorf("mark token change: %w", err)
	}
	return nil
}

// stampLayout is RFC 3339 with every digit of the nanoseconds, so that
// every stamp is as long as the last.
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// writeStamp writes the time now, in UTC, into the file at path, over
// what it held. Not truncated first: ext4 writes a file out at once when
// it is truncated and written again (auto_da_alloc), which cost a quarter
// of a millisecond a stamp; one as long as the last needs no truncating.
func writeStamp(path string) error {
	stamp := []byte(time.Now().UTC().Format(stampLayout) + "\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(stamp, 0); err != nil {
		f.Close()
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() > int64(len(stamp)) {
		err = f.Truncate(int64(len(stamp))) // a longer stamp of an older version
		if err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// unmarkToken removes profile id's marker: its token was forgotten.
func unmarkToken(dir, id string) error {
	err := os.Remove(filepath.Join(dir, MarksDir, markName(id)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mark token change: %w", err)
	}
	return nil
}

// markName is the marker's file name for profile id: hex, since an ID
// read from a hand-edited or imported file may hold any character.
func markName(id string) string { return hex.EncodeToString([]byte(id)) }

// MarkedProfile returns the profile ID whose marker has the file name
// name, and false for a name that is no marker.
func MarkedProfile(name string) (string, bool) {
	b, err := hex.DecodeString(name)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}
