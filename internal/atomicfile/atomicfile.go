// Package atomicfile writes a file so that a reader sees either the old
// contents or the new, never a part: a temporary file in the same directory,
// synced, then renamed over the old one.
package atomicfile

import "os"

// WriteFile replaces path with data, with permissions perm (on Unix; Windows
// has no such bits). The temporary file is made in the same directory, so
// that the rename stays on one file system.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm)
}
