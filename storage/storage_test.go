package storage

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

func testProfile(name string) model.Profile {
	return model.Profile{Name: name, TokenURL: "https://auth.example.com/oauth2/token", ClientID: "client-" + name}
}

func TestUpdateRoundTrip(t *testing.T) {
	s := Open(filepath.Join(t.TempDir(), "cfg"))
	var saved model.Profile
	err := s.Update(func(f *File) (err error) {
		saved, err = f.Put(testProfile("prod"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved.ID == "" {
		t.Fatal("Put gave the profile no ID")
	}
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.ByName("prod")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != saved.ID || got.ClientID != "client-prod" {
		t.Errorf("got %+v; want %+v", got, saved)
	}
	for path, want := range map[string]os.FileMode{s.Dir(): 0o700, s.Path(): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v; want %v", path, st.Mode().Perm(), want)
		}
	}
	data, _ := os.ReadFile(s.Path())
	if !strings.Contains(string(data), `"version": 1`) {
		t.Errorf("file has no version field:\n%s", data)
	}
}

func TestPutRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*model.Profile)
		want string
	}{
		{"duplicate name", func(p *model.Profile) {}, "already exists"},
		{"no name", func(p *model.Profile) { p.Name = " " }, "name is required"},
		{"bad token URL", func(p *model.Profile) { p.TokenURL = "auth.example.com/token" }, "must start with https://"},
		{"no client ID", func(p *model.Profile) { p.ClientID = "" }, "client ID is required"},
		{"clear-text secret", func(p *model.Profile) { p.TokenURL = "http://auth.example.com/token" }, "clear text"},
		{"bad auth style", func(p *model.Profile) { p.AuthStyle = "magic" }, "auth style"},
		{"base URL without host", func(p *model.Profile) { p.BaseURL = "https://" }, "has no host"},
		{"bad API auth", func(p *model.Profile) { p.APIAuth = "digest" }, "API auth"},
		{"Basic API auth without a secret", func(p *model.Profile) { p.AuthStyle, p.APIAuth = model.AuthPrivateKeyJWT, model.APIBasic }, "Basic auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &File{Version: FileVersion}
			if _, err := f.Put(testProfile("prod")); err != nil {
				t.Fatal(err)
			}
			p := testProfile("prod")
			if tt.name != "duplicate name" {
				p.Name = "other"
			}
			tt.edit(&p)
			_, err := f.Put(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestInsecureAllowedAndLoopback(t *testing.T) {
	for _, u := range []string{"http://localhost:8103/oauth2/token", "http://127.0.0.1:4444/oauth2/token", "http://[::1]/token"} {
		p := testProfile("local")
		p.TokenURL = u
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v; want loopback allowed", u, err)
		}
	}
	p := testProfile("lan")
	p.TokenURL = "http://10.0.0.5/token"
	p.AllowInsecure = true
	if err := p.Validate(); err != nil {
		t.Errorf("explicitly allowed insecure: %v", err)
	}
}

func TestAPIAuthValid(t *testing.T) {
	for _, a := range []model.APIAuth{"", model.APIBearer, model.APIBasic} {
		p := testProfile("medplum")
		p.APIAuth = a
		if err := p.Validate(); err != nil {
			t.Errorf("API auth %q: got %v; want valid", a, err)
		}
		if got, want := p.BasicAPI(), a == model.APIBasic; got != want {
			t.Errorf("API auth %q: BasicAPI() = %v; want %v", a, got, want)
		}
	}
}

func TestRenameKeepsID(t *testing.T) {
	f := &File{Version: FileVersion}
	p, _ := f.Put(testProfile("a"))
	p.Name = "b"
	q, err := f.Put(p)
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != p.ID || len(f.Profiles) != 1 || f.Profiles[0].Name != "b" {
		t.Errorf("after rename got %+v", f.Profiles)
	}
}

func TestBrokenFileIsKept(t *testing.T) {
	tests := map[string]string{
		"not JSON":      "hello",
		"truncated":     `{"version": 1, "profiles": [{"id": "a", "na`,
		"newer version": `{"version": 99, "profiles": []}`,
		"no version":    `{"profiles": []}`,
		"missing id":    `{"version": 1, "profiles": [{"name": "x"}]}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			s := Open(t.TempDir())
			if err := os.WriteFile(s.Path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load()
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Path != s.Path() {
				t.Fatalf("Load: got %v; want a ParseError naming %s", err, s.Path())
			}
			err = s.Update(func(f *File) error { _, err := f.Put(testProfile("new")); return err })
			if !errors.As(err, &pe) {
				t.Errorf("Update: got %v; want the ParseError", err)
			}
			data, _ := os.ReadFile(s.Path())
			if string(data) != content {
				t.Errorf("file changed to %q", data)
			}
		})
	}
}

// A broken file whose backup (the version before the last save) is whole
// says where that backup is; a backup as broken is not offered.
func TestBrokenFileNamesWholeBackup(t *testing.T) {
	s := Open(t.TempDir())
	for _, name := range []string{"a", "b"} { // the second save leaves the first as the backup
		if err := s.Update(func(f *File) error { _, err := f.Put(testProfile(name)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.Path(), []byte(`{"version": 1, "profiles": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Backup != s.Path()+".bak" || !strings.Contains(err.Error(), s.Path()+".bak") {
		t.Fatalf("Load: %v; want the ParseError naming the whole backup", err)
	}
	if err := os.WriteFile(s.Path()+".bak", []byte("broken too"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = s.Load(); !errors.As(err, &pe) || pe.Backup != "" {
		t.Errorf("Load with a broken backup: %v; want no backup offered", err)
	}
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	s := Open(t.TempDir())
	_ = os.WriteFile(s.Path(), []byte("{\n  \"version\": 1,\n  oops\n}"), 0o600)
	_, err := s.Load()
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("got %v; want the line number", err)
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	s := Open(t.TempDir())
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A second Store on the same directory stands for another process.
			err := Open(s.Dir()).Update(func(f *File) error {
				_, err := f.Put(testProfile(string(rune('a' + i))))
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Profiles) != n {
		t.Errorf("got %d profiles; want %d", len(f.Profiles), n)
	}
}

func TestFingerprint(t *testing.T) {
	a := testProfile("a")
	a.Scopes = []string{"x", "y"}
	b := a
	b.Scopes = []string{"y", "x"}
	b.Name, b.Notes, b.Env = "renamed", "notes", "prod"
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("scope order, name, notes or env changed the fingerprint")
	}
	c := a
	c.ClientID = "other"
	if a.Fingerprint() == c.Fingerprint() {
		t.Error("a new client ID kept the fingerprint")
	}
}

func TestKeychain(t *testing.T) {
	mem := &MemoryStore{}
	k := NewKeychain(mem)
	if _, err := k.ClientSecret("p1"); !errors.Is(err, ErrSecretMissing) {
		t.Errorf("missing secret: got %v; want ErrSecretMissing", err)
	}
	if err := k.SetClientSecret("p1", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if got, _ := k.ClientSecret("p1"); got != "s3cret" {
		t.Errorf("secret got %q", got)
	}
	tok := model.Token{AccessToken: "tok", TokenType: "Bearer", Expiry: time.Unix(2e9, 0).UTC(), Fingerprint: "fp"}
	if memOnly, err := k.SetToken("p1", tok); err != nil || memOnly {
		t.Fatalf("SetToken: %v, memoryOnly=%v", err, memOnly)
	}
	got, err := k.Token("p1")
	if err != nil || got.AccessToken != "tok" || !got.Expiry.Equal(tok.Expiry) {
		t.Errorf("Token: got %+v, %v", got, err)
	}
	if err := k.Forget("p1"); err != nil {
		t.Fatal(err)
	}
	if mem.Len() != 0 {
		t.Errorf("Forget left %d entries", mem.Len())
	}
}

func TestTooLargeTokenStaysInMemory(t *testing.T) {
	k := NewKeychain(&MemoryStore{MaxSize: 2560})
	tok := model.Token{AccessToken: strings.Repeat("x", 4000), Fingerprint: "fp"}
	memOnly, err := k.SetToken("p", tok)
	if !errors.Is(err, ErrTooLarge) || !memOnly {
		t.Fatalf("got memoryOnly=%v, %v; want true, ErrTooLarge", memOnly, err)
	}
	got, err := k.Token("p")
	if err != nil || got.AccessToken != tok.AccessToken {
		t.Errorf("memory-only token not returned: %v", err)
	}
}

func TestCachedTokenRedacts(t *testing.T) {
	tok := model.Token{AccessToken: "very-secret-token"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, "very-secret-token") {
			t.Errorf("%q shows the token", s)
		}
	}
}

func TestMatches(t *testing.T) {
	p := model.Profile{Name: "Medplum Prod", Env: "prod", ClientID: "abc-123"}
	for filter, want := range map[string]bool{"": true, "medplum": true, "PROD abc": true, "staging": false, "123": true} {
		if got := p.Matches(filter); got != want {
			t.Errorf("Matches(%q) = %v; want %v", filter, got, want)
		}
	}
}

func TestUpdateKeepsBackup(t *testing.T) {
	s := Open(t.TempDir())
	for _, name := range []string{"a", "b"} {
		if err := s.Update(func(f *File) error { _, err := f.Put(testProfile(name)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(s.Path() + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"a"`) || strings.Contains(string(data), `"b"`) {
		t.Errorf("backup is not the previous version:\n%s", data)
	}
}

func TestSalvageAndRecover(t *testing.T) {
	s := Open(t.TempDir())
	err := s.Update(func(f *File) error {
		for _, n := range []string{"one", "two", "three"} {
			if _, err := f.Put(testProfile(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.Path())
	cut := strings.Index(string(data), `"three"`)
	broken := data[:cut] // truncated inside the third profile
	if err := os.WriteFile(s.Path(), broken, 0o600); err != nil {
		t.Fatal(err)
	}
	f, skipped, err := s.Salvage()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Profiles) != 2 || f.Profiles[0].Name != "one" || f.Profiles[1].Name != "two" || len(skipped) != 1 {
		t.Fatalf("salvaged %+v, skipped %v", f.Profiles, skipped)
	}
	aside, err := s.Recover(f, time.Date(2026, 11, 28, 19, 15, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if kept, _ := os.ReadFile(aside); string(kept) != string(broken) || !strings.HasSuffix(aside, ".broken-20261128-191500") {
		t.Errorf("the broken file was not kept as %s", aside)
	}
	if g, err := s.Load(); err != nil || len(g.Profiles) != 2 {
		t.Errorf("after recover: %v", err)
	}
}

// TestKilledWriterLeavesWholeFile kills a writing process at many points of
// its saves; the file is always a whole old or new version.
func TestKilledWriterLeavesWholeFile(t *testing.T) {
	if os.Getenv("TOKENDESK_WRITER_DIR") != "" {
		t.Skip("this is the writer's own process")
	}
	dir := t.TempDir()
	s := Open(dir)
	for round := range 10 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterLoop$", "-test.v")
		cmd.Env = append(os.Environ(), "TOKENDESK_WRITER_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for a varying number of completed saves, then kill mid-loop.
		sc := bufio.NewScanner(out)
		for saves := 0; saves < 1+round*2 && sc.Scan(); {
			if sc.Text() == "saved" {
				saves++
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f, err := s.Load()
		if err != nil {
			t.Fatalf("round %d: after kill -9 the file does not load: %v", round, err)
		}
		if len(f.Profiles) == 0 {
			t.Fatalf("round %d: no profiles", round)
		}
	}
}

// TestWriterLoop is the process TestKilledWriterLeavesWholeFile kills.
func TestWriterLoop(t *testing.T) {
	dir := os.Getenv("TOKENDESK_WRITER_DIR")
	if dir == "" {
		t.Skip("run by TestKilledWriterLeavesWholeFile")
	}
	s := Open(dir)
	for i := 0; ; i++ {
		err := s.Update(func(f *File) error {
			p := testProfile(fmt.Sprintf("p-%d-%d", os.Getpid(), i))
			p.Notes = strings.Repeat("n", 4096) // a file of some size, so a torn write would show
			_, err := f.Put(p)
			if len(f.Profiles) > 50 {
				f.Profiles = f.Profiles[1:]
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("saved")
	}
}
