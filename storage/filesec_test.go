package storage

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
)

func put(t *testing.T, s *Store, name string) {
	t.Helper()
	if err := s.Update(func(f *File) error { _, err := f.Put(testProfile(name)); return err }); err != nil {
		t.Fatal(err)
	}
}

// A writer killed between creating its temporary file and renaming it
// leaves the file behind; the next save removes it, the backup's too.
func TestNextSaveSweepsTempFiles(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	put(t, s, "one")
	put(t, s, "two") // now profiles.json.bak exists too
	debris := []string{".profiles.json8674665223082153551", ".profiles.json.bak5577006791947779410", ".profiles.json.tmp-42", ".profiles.json.bak.tmp-7"}
	for _, n := range debris {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(strings.Repeat("x", 1000)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put(t, s, "three")
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{"profiles.json", "profiles.json.bak", "profiles.json.lock"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q in the config directory; want %q", got, want)
	}
}

// A profiles file or config directory someone opened up is private again
// after the next save, and so is the backup.
func TestSaveMakesFilesPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := filepath.Join(t.TempDir(), "cfg")
	s := Open(dir)
	put(t, s, "one")
	put(t, s, "two")
	for path, mode := range map[string]os.FileMode{dir: 0o755, s.Path(): 0o644, s.Path() + ".bak": 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	put(t, s, "three")
	for path, want := range map[string]os.FileMode{dir: 0o700, s.Path(): 0o600, s.Path() + ".bak": 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: got mode %v; want %v", filepath.Base(path), got, want)
		}
	}
}

// A profiles file that is a symbolic link to a regular file (kept with a
// person's dotfiles) is read and written through the link; the link stays.
func TestSymlinkedProfilesFileIsWrittenThrough(t *testing.T) {
	root := t.TempDir()
	dots := filepath.Join(root, "dotfiles")
	dir := filepath.Join(root, "cfg")
	for _, d := range []string{dots, dir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s := Open(dir)
	real := filepath.Join(dots, "profiles.json")
	if err := os.WriteFile(real, []byte(`{"version": 1, "profiles": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, s.Path()); err != nil {
		t.Skip(err)
	}
	put(t, s, "one")
	debris := []string{filepath.Join(dir, ".profiles.json1234"), filepath.Join(dots, ".profiles.json.tmp-5678")}
	for _, d := range debris {
		if err := os.WriteFile(d, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put(t, s, "two")
	for _, d := range debris {
		if _, err := os.Lstat(d); err == nil {
			t.Errorf("%s was left behind", d)
		}
	}
	st, err := os.Lstat(s.Path())
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("profiles.json is no longer a symbolic link (%v, %v)", st.Mode(), err)
	}
	data, _ := os.ReadFile(real)
	if !strings.Contains(string(data), `"two"`) {
		t.Errorf("the link's target was not updated:\n%s", data)
	}
	if f, err := s.Load(); err != nil || len(f.Profiles) != 2 {
		t.Errorf("Load through the link: %v", err)
	}
}

// Anything but a regular file where the profiles file should be is refused
// with a message that says so, by Load and by Update, and left as it is.
func TestSpecialProfilesFileIsRefused(t *testing.T) {
	tests := []struct {
		name string
		make func(path string) error
		want error
	}{
		{"directory", func(path string) error { return os.Mkdir(path, 0o700) }, atomicfile.ErrNotRegular},
		{"over 64 MiB", func(path string) error {
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(MaxFileSize + 1) // sparse: no disk used
		}, atomicfile.ErrTooLarge},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			name string
			make func(path string) error
			want error
		}{"symlink to a device", func(path string) error { return os.Symlink(os.DevNull, path) }, atomicfile.ErrNotRegular})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			if err := tt.make(s.Path()); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Lstat(s.Path())
			if _, err := s.Load(); !errors.Is(err, tt.want) {
				t.Errorf("Load: got %v; want %v", err, tt.want)
			}
			err := s.Update(func(f *File) error { _, err := f.Put(testProfile("x")); return err })
			if !errors.Is(err, tt.want) {
				t.Errorf("Update: got %v; want %v", err, tt.want)
			}
			if after, _ := os.Lstat(s.Path()); after.Mode() != before.Mode() || after.Size() != before.Size() {
				t.Errorf("the file changed: %v %d, was %v %d", after.Mode(), after.Size(), before.Mode(), before.Size())
			}
		})
	}
}

// Names, client IDs and environment labels are shown on terminals and in
// suggested commands: control characters and invisible marks are refused;
// other Unicode is fine.
func TestValidateRefusesControlCharacters(t *testing.T) {
	tests := []struct {
		name string
		edit func(*model.Profile)
		ok   bool
	}{
		{"plain", func(p *model.Profile) {}, true},
		{"unicode name", func(p *model.Profile) { p.Name = "Prüfung – 東京" }, true},
		{"shell syntax", func(p *model.Profile) { p.Name = "$(touch x)" }, true}, // quoted where shown, not refused
		{"escape in name", func(p *model.Profile) { p.Name = "evil\x1b]0;owned\x07" }, false},
		{"line break in name", func(p *model.Profile) { p.Name = "a\nb" }, false},
		{"tab in name", func(p *model.Profile) { p.Name = "a\tb" }, false},
		{"bidi override in name", func(p *model.Profile) { p.Name = "prod\u202etset" }, false},
		{"C1 control in name", func(p *model.Profile) { p.Name = "a\u009bb" }, false},
		{"invalid UTF-8 in name", func(p *model.Profile) { p.Name = "a\xffb" }, false},
		{"escape in client ID", func(p *model.Profile) { p.ClientID = "id\x1b[2J" }, false},
		{"zero-width space in client ID", func(p *model.Profile) { p.ClientID = "id\u200b" }, false},
		{"carriage return in env", func(p *model.Profile) { p.Env = "prod\rstaging" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProfile("prod")
			tt.edit(&p)
			err := p.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("got %v; want ok %v", err, tt.ok)
			}
			if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07\n\r\t\u202e\u009b\u200b") {
				t.Errorf("the error prints the character raw: %q", err)
			}
		})
	}
}
