//go:build windows

package atomicfile

import (
	"os"
	"path/filepath"
)

// renameio does not support Windows. There os.Rename is MoveFileEx with
// MOVEFILE_REPLACE_EXISTING, which replaces the file in one step on NTFS.
func writeFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
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
	return os.Rename(tmp, path)
}
