package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/kballard/go-shellquote"
	"github.com/tokendesk/tokendesk/internal/safetext"
	quote "github.com/tokendesk/tokendesk/internal/shellquote"
)

// sharedFile is what 'export profiles' writes, with these names.
func sharedFile(t *testing.T, names ...string) string {
	t.Helper()
	type prof struct {
		Name     string `json:"name"`
		TokenURL string `json:"tokenUrl"`
		ClientID string `json:"clientId"`
	}
	var ps []prof
	for _, n := range names {
		ps = append(ps, prof{n, "https://auth.example.com/token", "cid"})
	}
	data, err := json.Marshal(map[string]any{"tokendeskProfiles": "1", "profiles": ps})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The command suggested after an import is quoted: a shared name cannot
// plant a command for a person to paste.
func TestImportSuggestionIsQuoted(t *testing.T) {
	for _, name := range []string{"$(touch x)", "it's; rm -rf ~", "`id`", "plain"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			_, stderr, code := f.run(sharedFile(t, name), "import", "profiles", "-")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			_, cmd, ok := strings.Cut(strings.TrimSpace(stderr), "with: ")
			if !ok {
				t.Fatalf("no suggested command in %q", stderr)
			}
			got, err := shellquote.Split(cmd)
			want := []string{"tokendesk", "edit", name, "--secret-stdin"}
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("the shell reads %q as %q (%v); want %q", cmd, got, err, want)
			}
		})
	}
}

func TestSuggestForPowerShell(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"tokendesk", "edit", "prod", "--secret-stdin"}, "tokendesk edit prod --secret-stdin"},
		{[]string{"tokendesk", "edit", "$(calc)", "--secret-stdin"}, "tokendesk edit '$(calc)' --secret-stdin"},
		{[]string{"tokendesk", "edit", "it's", "--secret-stdin"}, "tokendesk edit 'it''s' --secret-stdin"},
		{[]string{"tokendesk", "edit", ""}, "tokendesk edit ''"},
	}
	for _, tt := range tests {
		if got := quote.Command(quote.PowerShell, tt.args...); got != tt.want {
			t.Errorf("shellquote.Command(powershell, %q) = %q; want %q", tt.args, got, tt.want)
		}
	}
}

// A shared file's name with control characters is refused, and the
// message that says so does not pass them to the terminal.
func TestImportRefusesControlCharacters(t *testing.T) {
	f := newFixture(t)
	evil := "evil\x1b]0;owned\x07\x1b[2J"
	_, stderr, code := f.run(sharedFile(t, evil), "import", "profiles", "-")
	if code != 1 {
		t.Errorf("got exit %d; want 1 (nothing imported)", code)
	}
	if safetext.Unsafe(strings.ReplaceAll(stderr, "\n", "")) || !strings.Contains(stderr, `Skipped evil\x1b]0;owned\a\x1b[2J`) {
		t.Errorf("got stderr %q; want the name escaped", stderr)
	}
	if file, _ := f.env.Store.Load(); len(file.Profiles) != 0 {
		t.Errorf("imported %d profiles; want none", len(file.Profiles))
	}
}

// Names written into the profiles file by hand (Validate never saw them)
// and a server's text are escaped by list, the error printer and the JSON
// output.
func TestOutputEscapesControlCharacters(t *testing.T) {
	f := newFixture(t)
	evil := "evil\x1b[2J\u202e\u009b"
	file, _ := json.Marshal(map[string]any{"version": 1, "profiles": []map[string]string{{
		"id": "e1", "name": evil, "env": "prod\x1b]0;t\x07", "tokenUrl": f.srv.URL + "/oauth2/token", "clientId": "c\x1b[A"}}})
	if err := os.MkdirAll(f.env.Store.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.env.Store.Path(), file, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string // on stdout or stderr
	}{
		{[]string{"list"}, `evil\x1b[2J\u202e\u009b`},
		{[]string{"list", "--json"}, `"name": "evil\u001b[2J\u202e\u009b"`},
		{[]string{"token", evil}, `\x1b[2J`}, // no secret in the keychain: an error naming the profile
		{[]string{"token", "no\x1b[2Jsuch"}, `\x1b[2J`},
	}
	for _, tt := range tests {
		out, stderr, _ := f.run("", tt.args...)
		all := out + stderr
		if safetext.Unsafe(strings.ReplaceAll(all, "\n", "")) {
			t.Errorf("%q printed a control character raw: %q", tt.args, all)
		}
		if !strings.Contains(all, tt.want) {
			t.Errorf("%q printed %q; want %q in it", tt.args, all, tt.want)
		}
	}
}

// JSON made safe for a terminal is still valid JSON with the same value.
func TestJSONSafe(t *testing.T) {
	in := map[string]string{"a": "x\x1b[2J\u202e\u009b\U000e0001 ünï\t\n", "b": "plain"}
	data, _ := json.MarshalIndent(in, "", "\t")
	got := jsonSafe(data)
	if safetext.Unsafe(strings.NewReplacer("\n", "", "\t", "").Replace(string(got))) {
		t.Errorf("got %q; want no raw control characters", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["a"] != in["a"] || back["b"] != in["b"] {
		t.Errorf("got %q back (%v); want %q", back, err, in)
	}
}

// A Postman environment written over an existing world-readable file is
// not world-readable: the client secret may be in it.
func TestPostmanOverExistingFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	f := newFixture(t)
	f.add("prod")
	path := filepath.Join(t.TempDir(), "existing.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := f.run("", "export", "postman", "prod", "--include-secret", "-o", path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v; want 0600", got)
	}
}

// --remove-secrets on a Medplum CLI file that is a symbolic link (kept
// with dotfiles) rewrites the link's target, keeps the link, and leaves
// the file 0600: it still holds the CLI's saved login.
func TestMedplumRemoveSecretsThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	f := newFixture(t)
	dots, dir := t.TempDir(), t.TempDir()
	real := writeMedplum(t, dots, "dev", map[string]string{"name": "dev", "baseUrl": "http://localhost:8103", "authType": "client-credentials",
		"clientId": "dev-id", "clientSecret": "dev-plain-secret"})
	if err := os.Chmod(real, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "dev.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if _, stderr, code := f.run("", "import", "medplum", "--dir", dir, "--remove-secrets"); code != 0 || !strings.Contains(stderr, "Then removed the plain-text secret") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file (%v, %v)", st.Mode(), err)
	}
	data, _ := os.ReadFile(real)
	if strings.Contains(string(data), "dev-plain-secret") || !strings.Contains(string(data), "login-token-never-import") {
		t.Errorf("the target was not rewritten without the secret:\n%s", data)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v; want 0600", st.Mode().Perm())
	}
}

// The error printer escapes what a terminal acts on but keeps the line
// breaks of errors that list what was tried, a line each.
func TestErrorPrinterKeepsLineBreaks(t *testing.T) {
	f := newFixture(t) // its server has no metadata: discover lists the URLs it tried
	_, stderr, code := f.run("", "discover", f.srv.URL)
	if code != 1 || !strings.Contains(stderr, "found:\n  ") {
		t.Errorf("got exit %d, stderr %q; want 1 and the tried URLs a line each", code, stderr)
	}
}
