package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.json")
	if err := WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "new" {
		t.Fatalf("read %q, %v", data, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in the directory; want only the file", len(entries))
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
}

// An existing file's wider mode is not kept: a secret written over a
// world-readable file is not world-readable.
func TestWriteFileSetsModeOverExistingFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "existing.json")
	if err := os.WriteFile(path, []byte("public"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v; want 0600", got)
	}
}

// A symbolic link is neither followed nor replaced by WriteFile: a link
// planted where the output goes cannot redirect it, and a person's link
// is not silently turned into a file.
func TestWriteFileRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	err := WriteFile(link, []byte("new"), 0o600)
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("got %v; want ErrNotRegular", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced (%v, %v)", st.Mode(), err)
	}
	if data, _ := os.ReadFile(target); string(data) != "kept" {
		t.Errorf("target holds %q; want it kept", data)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	dangling := filepath.Join(dir, "dangling.json")
	if os.Symlink("real.json", link) != nil || os.Symlink("nothing.json", dangling) != nil {
		t.Skip("no symbolic links here")
	}
	tests := []struct {
		path, want string
		err        bool
	}{
		{target, target, false},
		{filepath.Join(dir, "new.json"), filepath.Join(dir, "new.json"), false},
		{link, target, false},
		{dangling, "", true},
		{dir, "", true},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.path)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Resolve(%s) = %q, %v; want %q, error %v", tt.path, got, err, tt.want, tt.err)
		}
	}
}

// Sweep removes the temporary files of a writer killed before its rename
// (this package's and renameio's names) and nothing else.
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".profiles.json5577006791947779410", ".profiles.json.tmp-123", ".profiles.json.tmp-8674665223082153551"}
	kept := []string{"profiles.json", "profiles.json.bak", ".profiles.json.bak42", ".profiles.json.lock", ".profiles.jsonx", ".profiles.json", "notes.txt"}
	for _, n := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	Sweep(filepath.Join(dir, "profiles.json"))
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := slices.Clone(kept)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string
		err  error
	}{
		{small, "hello", nil},
		{dir, "", ErrNotRegular},
	}
	for _, tt := range tests {
		got, err := ReadFile(tt.path, 5)
		if string(got) != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ReadFile(%s) = %q, %v; want %q, %v", tt.path, got, err, tt.want, tt.err)
		}
	}
	if _, err := ReadFile(small, 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over the limit: got %v; want ErrTooLarge", err)
	}
}
