package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

func prof(name string) model.Profile {
	return model.Profile{Name: name, TokenURL: "https://auth.example.com/oauth2/token", ClientID: "client-" + name}
}

// teamFile writes what `tokendesk export profiles` writes for ps.
func teamFile(t *testing.T, path string, ps ...model.Profile) {
	t.Helper()
	data, err := importer.ExportProfiles(ps)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(data))
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// summary is "name@source" for each profile, source "own" or the team
// file's base name.
func summary(ps []model.Profile) string {
	var out []string
	for _, p := range ps {
		src := "own"
		if p.Team != "" {
			src = filepath.Base(p.Team)
		}
		out = append(out, p.Name+"@"+src)
	}
	return strings.Join(out, " ")
}

func TestTeamFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(storage.TeamEnv, "")
	store := storage.Open(filepath.Join(dir, "config"))
	a, b := filepath.Join(dir, "repo-a", "team.json"), filepath.Join(dir, "repo-b", "team.json")
	api := prof("api")
	api.SecretRef = "op://Team/API/credential"
	teamFile(t, a, api, prof("shared"))
	teamFile(t, b, prof("shared"), prof("other"))
	err := store.Update(func(f *storage.File) error {
		f.Settings.TeamFiles = []string{a}
		_, err := f.Put(prof("api"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, b)

	f, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(f.Profiles), "api@own shared@team.json other@team.json"; got != want {
		t.Errorf("profiles = %s; want %s", got, want)
	}
	if len(f.Team.Errs) != 0 {
		t.Errorf("errors = %v; want none", f.Team.Errs)
	}
	notes := strings.Join(f.Team.Notes, "\n")
	for _, want := range []string{`team profile "shared" in ` + b + " is hidden by the one in " + a, `your profile "api" hides the team profile of that name in ` + a} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes = %q; want one saying %q", notes, want)
		}
	}
	if got := f.Team.Watch; !slices.Equal(got, []string{a, b}) {
		t.Errorf("watch = %q; want both team files", got)
	}
	shared, _ := f.ByName("shared")
	if shared.ID != storage.TeamID(a, "shared") || shared.Team != a {
		t.Errorf("shared = ID %q team %q; want a team ID from %s", shared.ID, shared.Team, a)
	}

	// A team profile is never written into the person's own file.
	if err := store.Update(func(*storage.File) error { return nil }); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(store.Path())
	if strings.Contains(string(data), "shared") || strings.Contains(string(data), "team-") {
		t.Errorf("profiles.json holds a team profile:\n%s", data)
	}

	// A git pull that changes the team file shows on the next Load.
	teamFile(t, a, prof("shared"), prof("new"))
	f, err = store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(f.Profiles), "api@own shared@team.json new@team.json other@team.json"; got != want {
		t.Errorf("after the change: profiles = %s; want %s", got, want)
	}
}

func TestTeamDirectoryAndRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(storage.TeamEnv, "")
	conf := filepath.Join(dir, "config")
	teamFile(t, filepath.Join(conf, "teams", "b.json"), prof("two"))
	teamFile(t, filepath.Join(conf, "teams", "a.json"), prof("one"))
	write(t, filepath.Join(conf, "teams", "README.md"), "not a team file")
	store := storage.Open(conf)
	if err := store.Update(func(f *storage.File) error { f.Settings.TeamFiles = []string{"teams"}; return nil }); err != nil {
		t.Fatal(err)
	}
	f, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summary(f.Profiles), "one@a.json two@b.json"; got != want {
		t.Errorf("profiles = %s; want %s", got, want)
	}
	want := []string{filepath.Join(conf, "teams"), filepath.Join(conf, "teams", "a.json"), filepath.Join(conf, "teams", "b.json")}
	if !slices.Equal(f.Team.Watch, want) {
		t.Errorf("watch = %q; want %q", f.Team.Watch, want)
	}
}

func TestTeamFileWithSecretIsRefused(t *testing.T) {
	const key = "-----BEGIN PRIVATE KEY-----\\nMIIE...\\n-----END PRIVATE KEY-----\\n"
	tests := []struct {
		name, profile string
		line          int
	}{
		{"client secret", `"clientSecret": "hunter2"`, 9},
		{"client_secret in params", `"params": {"client_secret": ["hunter2"]}`, 9},
		{"private key in notes", `"notes": "` + key + `"`, 9},
		{"secret header, value first", `"headers": [{"name": "X-Api-Key",
          "value": "hunter2",
          "secret": true}]`, 10},
		{"secret header, value last", `"headers": [{"name": "X-Api-Key", "secret": true,
          "value": "hunter2"}]`, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.json")
			good := filepath.Join(dir, "good.json")
			write(t, bad, `{
  "tokendeskProfiles": "1",
  "profiles": [
    {
      "name": "leaky",
      "tokenUrl": "https://auth.example.com/token",
      "clientId": "c",
      "env": "prod",
      `+tt.profile+`
    }
  ]
}
`)
			teamFile(t, good, prof("fine"))
			t.Setenv(storage.TeamEnv, bad+string(os.PathListSeparator)+good)
			store := storage.Open(filepath.Join(dir, "config"))
			if err := store.Update(func(f *storage.File) error { _, err := f.Put(prof("mine")); return err }); err != nil {
				t.Fatal(err)
			}
			f, err := store.Load()
			if err != nil {
				t.Fatalf("Load: %v; want the person's own profiles loaded", err)
			}
			if got, want := summary(f.Profiles), "mine@own fine@good.json"; got != want {
				t.Errorf("profiles = %s; want %s", got, want)
			}
			if len(f.Team.Errs) != 1 {
				t.Fatalf("errors = %v; want one", f.Team.Errs)
			}
			err = f.Team.Errs[0]
			var fe *storage.TeamFileError
			if !errors.Is(err, storage.ErrTeamSecret) || !errors.As(err, &fe) || fe.Path != bad || fe.Line != tt.line {
				t.Errorf("err = %v; want ErrTeamSecret at %s line %d", err, bad, tt.line)
			}
			if msg := err.Error(); !strings.Contains(msg, bad) || !strings.Contains(msg, "secret") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "MIIE") {
				t.Errorf("message %q: want the file, the line and the word secret, and not the secret", msg)
			}
		})
	}
}

func TestTeamFileProblems(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, data string
		want       string // in the error, or the note
		note       bool
	}{
		{"not json", "{", "unexpected EOF", false},
		{"not a team file", `{"version": 1, "profiles": []}`, `no "tokendeskProfiles" field`, false},
		{"invalid profile", `{"tokendeskProfiles": "1", "profiles": [{"name": "x", "tokenUrl": "ftp://x", "clientId": "c"}]}`, `profile 1 ("x") left out`, true},
		{"bad reference", `{"tokendeskProfiles": "1", "profiles": [{"name": "x", "tokenUrl": "https://x", "clientId": "c", "secretRef": "op://nope"}]}`, "not a secret reference", true},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
		write(t, path, tt.data)
		ps, notes, err := storage.LoadTeamFile(path)
		got := strings.Join(notes, "\n")
		if !tt.note {
			if err == nil {
				t.Errorf("%s: no error; want one", tt.name)
				continue
			}
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) || !strings.Contains(got, path) || len(ps) != 0 {
			t.Errorf("%s: %d profiles, %q; want none and %q naming the file", tt.name, len(ps), got, tt.want)
		}
	}
	ps, team := storage.LoadTeams([]string{filepath.Join(dir, "missing.json")}, nil)
	if len(ps) != 0 || len(team.Errs) != 1 || !errors.Is(team.Errs[0], os.ErrNotExist) {
		t.Errorf("missing file: %d profiles, %v; want an error that it does not exist", len(ps), team.Errs)
	}
}

// TestTeamFileWithReferences: references stand in for secrets, so a team
// file holding them loads.
func TestTeamFileWithReferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "team.json")
	write(t, path, `{"tokendeskProfiles": "1", "profiles": [{"name": "gw", "tokenUrl": "https://auth.example.com/token", "clientId": "c",
  "secretRef": "vault://secret/team/gw#client_secret",
  "headers": [{"name": "X-Api-Key", "secret": true, "tokenRequest": true, "ref": "op://Team/GW/key"}]}]}`)
	ps, notes, err := storage.LoadTeamFile(path)
	if err != nil || len(notes) != 0 || len(ps) != 1 || ps[0].Headers[0].Ref != "op://Team/GW/key" {
		t.Errorf("got %+v, %q, %v; want the profile with its references", ps, notes, err)
	}
}

// TestTeamTrust: a team profile's secret reference (a command here, so
// that running it shows) is resolved only once the person allowed its team
// file as it is now; a changed file needs allowing again.
func TestTeamTrust(t *testing.T) {
	dir := t.TempDir()
	team := filepath.Join(dir, "team.json")
	ran := filepath.Join(dir, "ran")
	api := prof("api")
	api.SecretRef = "cmd:sh -c 'touch " + ran + "; echo s3cret'"
	teamFile(t, team, api)
	t.Setenv(storage.TeamEnv, team)
	store := storage.Open(filepath.Join(dir, "config"))
	keys := storage.NewKeychain(&storage.MemoryStore{})
	secret := func() (string, error) {
		t.Helper()
		f, err := store.Load()
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.ByName("api")
		if err != nil {
			t.Fatal(err)
		}
		return keys.Secret(context.Background(), p)
	}
	allow := func() error {
		t.Helper()
		f, err := store.Load()
		if err != nil {
			t.Fatal(err)
		}
		return store.Update(func(g *storage.File) error { return storage.AllowTeam(g, team, f.Team.Files[0].Sum) })
	}
	refused := func(step, want string) {
		t.Helper()
		_, err := secret()
		if !errors.Is(err, storage.ErrTeamNotAllowed) || !strings.Contains(err.Error(), team) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v; want ErrTeamNotAllowed naming %s and saying %q", step, err, team, want)
		}
		if _, err := os.Stat(ran); err == nil {
			t.Errorf("%s: the reference's command ran; want it not run", step)
		}
	}

	refused("never allowed", "tokendesk team allow "+team)
	if err := allow(); err != nil {
		t.Fatal(err)
	}
	if got, err := secret(); got != "s3cret" || err != nil {
		t.Errorf("allowed: got %v; want the secret", err)
	}
	if err := os.Remove(ran); err != nil {
		t.Fatal(err)
	}

	// A git pull points the token URL elsewhere.
	api.TokenURL = "https://evil.example/token"
	teamFile(t, team, api)
	keys = storage.NewKeychain(&storage.MemoryStore{}) // nothing resolved in memory
	refused("changed", "changed since you allowed it")
	if f, _ := store.Load(); !slices.Equal(f.Team.Files[0].Changed, []string{"api"}) {
		t.Errorf("changed = %q; want api, whose token URL changed", f.Team.Files[0].Changed)
	}

	// An allow of what was shown, when the file changed again since, is refused.
	f, _ := store.Load()
	shown := f.Team.Files[0].Sum
	api.TokenURL = "https://evil2.example/token"
	teamFile(t, team, api)
	if err := store.Update(func(g *storage.File) error { return storage.AllowTeam(g, team, shown) }); !errors.Is(err, storage.ErrTeamMoved) {
		t.Errorf("allow of a stale view: got %v; want ErrTeamMoved", err)
	}
	if err := allow(); err != nil {
		t.Fatal(err)
	}
	if got, err := secret(); got != "s3cret" || err != nil {
		t.Errorf("allowed again: got %v; want the secret", err)
	}
	if err := store.Update(func(g *storage.File) error {
		if !storage.DenyTeam(g, team) {
			t.Error("deny: want it to say the file was allowed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if f, _ := store.Load(); f.Team.Files[0].Trust != model.TrustNone {
		t.Errorf("denied: trust = %q; want none", f.Team.Files[0].Trust)
	}
	// The person's own settings hold the digest; the team file never does.
	if data, _ := os.ReadFile(team); strings.Contains(string(data), "teamAllowed") {
		t.Errorf("team file holds the trust:\n%s", data)
	}
}
