package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/storage"
)

// TestTeamProfileShown: a team profile is marked in the list, its pane
// says where its secret comes from and which team file it is from, and
// Edit explains instead of opening the form.
func TestTeamProfileShown(t *testing.T) {
	team := filepath.Join(t.TempDir(), "team.json")
	data := `{"tokendeskProfiles": "1", "profiles": [{"name": "shared", "env": "staging", "tokenUrl": "https://auth.example.com/token", "clientId": "c", "secretRef": "op://Team/API/credential"}]}`
	if err := os.WriteFile(team, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, team)
	h := newHarness(t, prof("1", "mine", "prod", "https://a.example.com/token"))

	names := map[string]string{}
	for _, r := range h.u.rows {
		names[r.profile.Name] = r.name.Text
	}
	if got, want := names["shared"], "shared  · team team.json"; got != want {
		t.Errorf("list row = %q; want %q", got, want)
	}
	if got := names["mine"]; got != "mine" {
		t.Errorf("own row = %q; want the name alone", got)
	}

	h.selectName("shared")
	settings := formText(h.u.detail.settings)
	for _, want := range []string{"from 1Password (op://Team/API/credential), held in memory only", "Team file", team + " — read-only here"} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings = %q; want %q", settings, want)
		}
	}
	h.u.openEdit()
	if h.u.form != nil {
		t.Error("Edit opened the form for a team profile; want it explained instead")
	}
	if top := h.win.Canvas().Overlays().Top(); top == nil {
		t.Error("Edit of a team profile showed nothing")
	}

	h.selectName("mine")
	if settings := formText(h.u.detail.settings); !strings.Contains(settings, "in the keychain") || strings.Contains(settings, "Team file") {
		t.Errorf("own profile's settings = %q", settings)
	}
}

// TestTeamFileWithSecretShown: a refused team file is named, with its line
// and the word secret, in the status bar; the own profiles still show.
func TestTeamFileWithSecretShown(t *testing.T) {
	team := filepath.Join(t.TempDir(), "leaky.json")
	data := "{\"tokendeskProfiles\": \"1\",\n \"profiles\": [{\"name\": \"x\", \"tokenUrl\": \"https://a.example/token\", \"clientId\": \"c\",\n  \"clientSecret\": \"hunter2\"}]}"
	if err := os.WriteFile(team, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storage.TeamEnv, team)
	h := newHarness(t, prof("1", "mine", "prod", "https://a.example.com/token"))
	if got := h.u.status.Text; !strings.Contains(got, "team file "+team+", line 3") || !strings.Contains(got, "secret") || strings.Contains(got, "hunter2") {
		t.Errorf("status = %q; want the file, the line and the word secret", got)
	}
	if len(h.u.shown) != 1 || h.u.shown[0].Name != "mine" {
		t.Errorf("shown = %v; want the own profile", h.u.shown)
	}
}
