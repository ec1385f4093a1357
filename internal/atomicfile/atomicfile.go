// Package atomicfile writes a file so that a reader sees either the old
// contents or the new, never a part: a temporary file in the same directory,
// synced, then renamed over the old one. It also reads files that must be
// regular and of a sane size, so that a pipe or a device in their place is
// refused rather than read forever.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNotRegular is matched (errors.Is) by a *NotRegularError.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned, wrapped, by ReadFile for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// NotRegularError says that a path names something other than a regular
// file: a symbolic link where one is not followed, a pipe, a device, a
// directory.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, kind(e.Mode))
}

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// WriteFile replaces path with data, with permissions perm (before the
// umask, as os.WriteFile; Windows has only the read-only bit) whatever
// mode an existing file had. An existing path that is not a regular file
// (a symbolic link, a pipe, a device) is refused with a *NotRegularError
// and left as it is: Resolve finds a link's target, for callers that
// write through links.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return &NotRegularError{Path: path, Mode: st.Mode()}
	}
	f, err := create(filepath.Dir(path), filepath.Base(path), perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone after a successful rename; cleans up otherwise
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// On Windows os.Rename is MoveFileEx with MOVEFILE_REPLACE_EXISTING,
	// which replaces the file in one step on NTFS.
	return os.Rename(tmp, path)
}

// tempPrefix starts the names of the temporary files for base.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// create makes a new temporary file for base in dir. Unlike os.CreateTemp
// it takes the permissions, so that the file never has wider ones.
func create(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, tempPrefix(base)+strconv.FormatUint(rand.Uint64(), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("create a temporary file for %s in %s: every name tried exists", base, dir)
}

// Sweep removes the temporary files a writer of path left behind when it
// was killed before its rename: this package's, and those of the renameio
// versions before it (.NAME followed by digits). Call it only while no one
// else can be writing path, under the lock that keeps writers apart.
// Errors are ignored: a leftover costs space, not correctness.
func Sweep(path string) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isTemp(e.Name(), base) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func isTemp(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "."+base)
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, ".tmp-")
	return rest != "" && strings.Trim(rest, "0123456789") == ""
}

// Resolve returns the file that writing path should replace: path itself,
// or, when path is a symbolic link, the regular file it points to, so that
// the link is kept and its target updated. A link to nothing, or to
// anything but a regular file, is an error.
func Resolve(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	if st.Mode()&fs.ModeSymlink == 0 {
		if !st.Mode().IsRegular() {
			return "", &NotRegularError{Path: path, Mode: st.Mode()}
		}
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s is a symbolic link that cannot be followed: %w", path, err)
	}
	st, err = os.Lstat(target)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", &NotRegularError{Path: target, Mode: st.Mode()}
	}
	return target, nil
}

// ReadFile reads path, which must be a regular file (or a symbolic link to
// one) of at most limit bytes. A pipe or a device is refused without
// waiting for it or reading it; a larger file is refused with ErrTooLarge.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	tooLarge := fmt.Errorf("%s is larger than %s; it was not read: %w", path, size(limit), ErrTooLarge)
	if st.Size() > limit {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
