package ui

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// writeTeam writes a team file with one profile, "shared", whose secret
// comes from a command, and the extra JSON profiles given; by a rename,
// as git does.
func writeTeam(t *testing.T, path, tokenURL string, extra ...string) {
	t.Helper()
	ps := append([]string{`{"name": "shared", "tokenUrl": "` + tokenURL + `", "clientId": "c", "authStyle": "body", "secretRef": "cmd:echo team-s3cret"}`}, extra...)
	data := `{"tokendeskProfiles": "1", "profiles": [` + strings.Join(ps, ",\n") + `]}`
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestTeamFileAllowedInWindow: a team profile of a file not allowed gets
// no token and its server no request; the pane says so, Review and allow
// shows the token URL and the reference, and Allow lets it work. A change
// on disk (a git pull pointing it elsewhere) shows in the open window and
// is refused again.
func TestTeamFileAllowedInWindow(t *testing.T) {
	var good, evil atomic.Int32
	goodSrv := okServer(t, &good)
	evilSrv := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		evil.Add(1)
		http.Error(w, "{}", http.StatusUnauthorized)
	})
	team := filepath.Join(t.TempDir(), "team.json")
	writeTeam(t, team, goodSrv.URL+"/token")
	t.Setenv(storage.TeamEnv, team)
	h := newHarness(t, prof("1", "mine", "prod", "https://a.example.com/token"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := h.u.watch(ctx, h.store.Dir()); err != nil {
		t.Fatal(err)
	}

	if got := h.u.status.Text; !strings.Contains(got, "Team file "+team+" is not allowed yet") {
		t.Errorf("status = %q; want the file named as not allowed", got)
	}
	h.selectName("shared")
	bar := h.u.detail.trust
	if !bar.box.Visible() || !strings.Contains(bar.label.Text, team) {
		t.Fatalf("trust notice shown %t: %q; want it naming the file", bar.box.Visible(), bar.label.Text)
	}
	test.Tap(h.u.detail.fetchBtn)
	h.until("the refusal", func() bool { return h.u.detail.errLabel.Visible() })
	if got := h.u.detail.errLabel.Text; !strings.Contains(got, team) || !strings.Contains(got, "tokendesk team allow") {
		t.Errorf("error = %q; want the file and how to allow it", got)
	}
	if n := good.Load(); n != 0 {
		t.Errorf("the token server got %d requests before the file was allowed; want none", n)
	}

	test.Tap(bar.btn)
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Review and allow showed nothing")
	}
	review := teamReview(h.u.teamFile(team))
	for _, want := range []string{goodSrv.URL + "/token", "secret cmd:echo team-s3cret"} {
		if !strings.Contains(review, want) {
			t.Errorf("review = %q; want %q", review, want)
		}
	}
	tapButton(t, h.win.Canvas(), "Allow")
	h.until("the allow", func() bool { return !bar.box.Visible() })
	row := ""
	for _, r := range h.u.rows {
		if r.profile.Name == "shared" {
			row = r.name.Text
		}
	}
	if row != "shared  · team team.json" {
		t.Errorf("row = %q; want the team mark without (not allowed)", row)
	}
	test.Tap(h.u.detail.fetchBtn)
	h.until("a token", func() bool { return h.u.detail.state.Text == "valid 1 h 00 min" })

	// The pull: the window follows it, and refuses again.
	writeTeam(t, team, evilSrv.URL+"/token")
	h.until("the change to show", func() bool {
		p := h.u.current()
		return p != nil && p.TokenURL == evilSrv.URL+"/token" && bar.box.Visible()
	})
	if got := bar.label.Text; !strings.Contains(got, "changed since you allowed it (the token URL or references of shared)") {
		t.Errorf("notice = %q; want what changed", got)
	}
	test.Tap(h.u.detail.fetchBtn)
	h.until("the refusal", func() bool {
		return h.u.detail.errLabel.Visible() && strings.Contains(h.u.detail.errLabel.Text, "changed since you allowed it")
	})
	if n := evil.Load(); n != 0 {
		t.Errorf("the changed token URL got %d requests; want none", n)
	}
}

// TestWatchFollowsTeamFiles: the open window follows a team file on disk
// (replaced by a rename, as git pull does): a profile added shows; a
// secret written into it refuses the file by name, the person's own
// profiles still shown. The own profile that hides a team one says so.
func TestWatchFollowsTeamFiles(t *testing.T) {
	team := filepath.Join(t.TempDir(), "repo", "team.json")
	if err := os.MkdirAll(filepath.Dir(team), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTeam(t, team, "https://auth.example.com/token")
	t.Setenv(storage.TeamEnv, team)
	h := newHarness(t, prof("1", "mine", "prod", "https://a.example.com/token"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := h.u.watch(ctx, h.store.Dir()); err != nil {
		t.Fatal(err)
	}
	shown := func(name string) bool {
		return slices.ContainsFunc(h.u.shown, func(p model.Profile) bool { return p.Name == name })
	}
	if !shown("shared") || shown("added") {
		t.Fatalf("shown = %v; want mine and shared", h.u.shown)
	}

	writeTeam(t, team, "https://auth.example.com/token",
		`{"name": "added", "tokenUrl": "https://auth.example.com/token", "clientId": "d"}`,
		`{"name": "mine", "tokenUrl": "https://auth.example.com/token", "clientId": "e"}`)
	h.until("the added team profile", func() bool { return shown("added") })
	h.selectName("mine")
	if bar := h.u.detail.trust; !bar.box.Visible() || !strings.Contains(bar.label.Text, "hides the team profile of the same name in "+team) {
		t.Errorf("own profile's note shown %t: %q; want that it hides the team one", bar.box.Visible(), bar.label.Text)
	}

	writeTeam(t, team, "https://auth.example.com/token", `{"name": "leak", "tokenUrl": "https://auth.example.com/token", "clientId": "d", "clientSecret": "hunter2"}`)
	h.until("the refusal", func() bool { return !shown("shared") })
	if got := h.u.status.Text; !strings.Contains(got, "team file "+team) || !strings.Contains(got, "secret") || strings.Contains(got, "hunter2") {
		t.Errorf("status = %q; want the file named and the word secret", got)
	}
	if !shown("mine") || len(h.u.shown) != 1 {
		t.Errorf("shown = %v; want the own profile only", h.u.shown)
	}
}
