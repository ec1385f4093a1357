package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
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
	if got, want := names["shared"], "shared  · team team.json (not allowed)"; got != want {
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

	// The explanation's Duplicate makes a profile of the person's own, its
	// secret from the same reference, with none typed.
	tapButton(t, h.win.Canvas(), "Duplicate")
	if h.u.form == nil {
		t.Fatal("Duplicate opened no form")
	}
	h.u.form.name.SetText("my shared")
	test.Tap(h.u.form.save)
	h.until("the copy", func() bool { return h.u.form == nil })
	file, _ := h.store.Load()
	if p, err := file.ByName("my shared"); err != nil || p.Team != "" || p.SecretRef != "op://Team/API/credential" {
		t.Errorf("the copy: %+v, %v; want an own profile with the reference", p, err)
	}

	h.selectName("mine")
	if settings := formText(h.u.detail.settings); !strings.Contains(settings, "in the keychain") || strings.Contains(settings, "Team file") {
		t.Errorf("own profile's settings = %q", settings)
	}
}

// TestFormSwitchesSecretSource: the form's "Secret from" takes a profile
// from the keychain to a reference and back; a reference that does not
// parse is refused on its field.
func TestFormSwitchesSecretSource(t *testing.T) {
	h := newHarness(t, prof("1", "a", "prod", "https://a.example.com/token"))
	h.selectName("a")
	h.u.onEdit()
	f := h.u.form
	f.secretRef.SetText("op://nope")
	test.Tap(f.save)
	if h.u.form == nil || !strings.Contains(f.secretRef.msg.Text, "not a secret reference") {
		t.Fatalf("a bad reference: form closed or message %q", f.secretRef.msg.Text)
	}
	f.secretRef.SetText("pass://team/api")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	file, _ := h.store.Load()
	if p, _ := file.ByID("1"); p.SecretRef != "pass://team/api" {
		t.Errorf("after choosing a reference: %q", p.SecretRef)
	}
	h.u.Reload()
	h.selectName("a")
	if s := formText(h.u.detail.settings); !strings.Contains(s, "from pass (pass://team/api)") {
		t.Errorf("settings = %q; want where the secret comes from", s)
	}

	h.u.onEdit()
	f = h.u.form
	if f.secretRef.Text != "pass://team/api" {
		t.Fatalf("form's reference = %q", f.secretRef.Text)
	}
	f.secretRef.SetText("")
	f.secret.SetText("new-secret")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil })
	file, _ = h.store.Load()
	if p, _ := file.ByID("1"); p.SecretRef != "" {
		t.Errorf("after going back: reference %q; want the keychain", p.SecretRef)
	}
	if s, _ := h.keys.ClientSecret("1"); s != "new-secret" {
		t.Errorf("keychain secret %q; want the new one", s)
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
