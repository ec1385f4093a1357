package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// TestConcurrentEditsAllSurvive: several `tokendesk edit` processes at once
// on one profile, each changing another field, and every change is in the
// file afterwards, round after round.
func TestConcurrentEditsAllSurvive(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	ok(t, cfg, "s\n", "add", "p", "--token-url", env.tokenURL, "--client-id", "c")
	for round := range 3 {
		edits := [][]string{
			{"--env", fmt.Sprintf("env-%d", round)},
			{"--scope", fmt.Sprintf("scope-%d", round)},
			{"--notes", fmt.Sprintf("notes-%d", round)},
			{"--request-path", fmt.Sprintf("path-%d", round)},
			{"--timeout", fmt.Sprint(10 + round)},
		}
		cmds := make([]*exec.Cmd, len(edits))
		outs := make([]bytes.Buffer, len(edits))
		for i, e := range edits {
			cmds[i] = exec.Command(env.bin, append([]string{"edit", "p"}, e...)...)
			cmds[i].Env = append(os.Environ(), "TOKENDESK_CONFIG_DIR="+cfg, "TMPDIR="+cliTemp)
			cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil || !strings.Contains(outs[i].String(), "Saved") {
				t.Errorf("round %d: edit %v: %v %s", round, edits[i], err, outs[i].String())
			}
		}
		var f struct {
			Profiles []struct {
				Env            string   `json:"env"`
				Scopes         []string `json:"scopes"`
				Notes          string   `json:"notes"`
				RequestPath    string   `json:"requestPath"`
				TimeoutSeconds int      `json:"timeoutSeconds"`
			} `json:"profiles"`
		}
		data, err := os.ReadFile(filepath.Join(cfg, "profiles.json"))
		if err != nil || json.Unmarshal(data, &f) != nil || len(f.Profiles) != 1 {
			t.Fatalf("round %d: profiles file: %v\n%s", round, err, data)
		}
		p := f.Profiles[0]
		got := []string{p.Env, strings.Join(p.Scopes, " "), p.Notes, p.RequestPath, fmt.Sprint(p.TimeoutSeconds)}
		want := []string{fmt.Sprintf("env-%d", round), fmt.Sprintf("scope-%d", round), fmt.Sprintf("notes-%d", round), fmt.Sprintf("path-%d", round), fmt.Sprint(10 + round)}
		if !slices.Equal(got, want) {
			t.Errorf("round %d: got %q; want every edit kept: %q", round, got, want)
		}
	}
	ok(t, cfg, "", "rm", "p")
}

// TestRepairFindsOrphanKeychainItems: an item in the real keychain that no
// profile owns (an add killed after the keychain write) is listed by
// repair, and removed on request; the items of saved profiles stay.
func TestRepairFindsOrphanKeychainItems(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	ok(t, cfg, "kept-secret\n", "add", "kept", "--token-url", env.tokenURL, "--client-id", "c")
	orphan := "it-orphan-0badc0de/client-secret"
	if err := keyring.Set("tokendesk", orphan, "orphaned"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Delete("tokendesk", orphan) })

	r := cli(t, cfg, "", "repair")
	if r.code != 0 || !slices.Contains(strings.Split(r.stdout, "\n"), orphan) || !strings.Contains(r.stderr, "--remove-orphans") {
		t.Fatalf("repair: exit %d\nstdout: %s\nstderr: %s\nwant the orphan listed", r.code, r.stdout, r.stderr)
	}
	var f struct {
		Profiles []struct{ ID string } `json:"profiles"`
	}
	data, _ := os.ReadFile(filepath.Join(cfg, "profiles.json"))
	if err := json.Unmarshal(data, &f); err != nil || len(f.Profiles) != 1 {
		t.Fatalf("profiles file: %v", err)
	}
	kept := f.Profiles[0].ID + "/client-secret"
	if strings.Contains(r.stdout, kept) {
		t.Errorf("repair lists %s, which a profile owns", kept)
	}
	if _, err := keyring.Get("tokendesk", orphan); err != nil {
		t.Errorf("listing removed the orphan: %v", err)
	}
	// Removing every orphan of the keychain is safe only in a throw-away
	// one (scripts/with-keyring): a real one may hold the items of profiles
	// under another config directory.
	if os.Getenv("TOKENDESK_IN_KEYRING") != "1" {
		t.Log("not in scripts/with-keyring's keychain: --remove-orphans not tried")
		return
	}
	ok(t, cfg, "", "repair", "--remove-orphans")
	if _, err := keyring.Get("tokendesk", orphan); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("orphan after --remove-orphans: %v; want not found", err)
	}
	if v, err := keyring.Get("tokendesk", kept); err != nil || v != "kept-secret" {
		t.Errorf("the saved profile's secret after --remove-orphans: %v", err)
	}
	ok(t, cfg, "", "rm", "kept")
}
