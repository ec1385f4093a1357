package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/storage"
)

// TestTeamProfilesInTheCLI: list marks team profiles and where each
// secret comes from; add --secret-ref reads no secret; an export of all
// profiles is of the person's own; a team profile is not edited here.
func TestTeamProfilesInTheCLI(t *testing.T) {
	f := newFixture(t)
	team := filepath.Join(t.TempDir(), "team.json")
	data := `{"tokendeskProfiles": "1", "profiles": [{"name": "shared", "tokenUrl": "https://auth.example.com/token", "clientId": "c", "secretRef": "pass://team/api"}]}`
	if err := os.WriteFile(team, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, team)
	f.add("mine")
	if _, stderr, code := f.run("", "add", "ref", "--token-url", "https://auth.example.com/token", "--client-id", "c", "--secret-ref", "op://Team/API/credential"); code != 0 {
		t.Fatalf("add --secret-ref: exit %d: %s", code, stderr)
	}
	out, _, code := f.run("", "list")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	for _, want := range []string{"TEAM", "SECRET", "in the keychain", "from 1Password", "team.json", "from pass"} {
		if !strings.Contains(out, want) {
			t.Errorf("list = %s; want %q", out, want)
		}
	}
	out, _, _ = f.run("", "export", "profiles")
	if strings.Contains(out, "shared") || !strings.Contains(out, `"secretRef": "op://Team/API/credential"`) {
		t.Errorf("export = %s; want the own profiles, references and all, and no team profile", out)
	}
	if _, stderr, code := f.run("", "edit", "shared", "--notes", "x"); code != 1 || !strings.Contains(stderr, "read-only") {
		t.Errorf("edit of a team profile: exit %d: %s", code, stderr)
	}
	if _, stderr, code := f.run("", "edit", "mine", "--secret-ref", "op://bad"); code != 2 || !strings.Contains(stderr, "not a secret reference") {
		t.Errorf("a bad reference: exit %d: %s; want a usage error", code, stderr)
	}
}

// TestTeamCommands: team list shows each file's trust and what its
// profiles send where; a team profile gets no token until its file is
// allowed; deny takes it back; a file not read is a usage error.
func TestTeamCommands(t *testing.T) {
	f := newFixture(t)
	team := filepath.Join(t.TempDir(), "team.json")
	data := `{"tokendeskProfiles": "1", "profiles": [{"name": "shared", "tokenUrl": "https://auth.example.com/token", "clientId": "c", "secretRef": "cmd:echo s3cret"}]}`
	if err := os.WriteFile(team, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, team)
	list := func(want string) {
		t.Helper()
		out, stderr, code := f.run("", "team", "list")
		if code != 0 || !strings.Contains(out, team+": "+want) || !strings.Contains(out, "https://auth.example.com/token") || !strings.Contains(out, "secret cmd:echo s3cret") {
			t.Errorf("team list: exit %d: %s%s; want %q with the token URL and reference", code, out, stderr, want)
		}
	}
	list("not allowed: tokendesk team allow " + team)
	if _, stderr, code := f.run("", "token", "shared"); code != 1 || !strings.Contains(stderr, "team file "+team+" is not allowed") {
		t.Errorf("token before allowing: exit %d: %s", code, stderr)
	}
	if _, stderr, code := f.run("", "team", "allow", "other.json"); code != 2 || !strings.Contains(stderr, "not a team file Token Desk reads") {
		t.Errorf("allow of a file not read: exit %d: %s; want a usage error", code, stderr)
	}
	if out, stderr, code := f.run("", "team", "allow", "team.json"); code != 0 || !strings.Contains(out, "secret cmd:echo s3cret") || !strings.Contains(stderr, "Allowed "+team) {
		t.Errorf("allow: exit %d: %s%s", code, out, stderr)
	}
	list("allowed")
	if _, stderr, code := f.run("", "team", "deny", team); code != 0 || !strings.Contains(stderr, "Denied "+team) {
		t.Errorf("deny: exit %d: %s", code, stderr)
	}
	list("not allowed")
}
