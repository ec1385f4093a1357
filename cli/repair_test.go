package cli

import (
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/storage"
)

// repair lists the keychain items no profile owns, removes them only when
// asked, and says so when the keychain cannot list.
func TestRepairOrphans(t *testing.T) {
	f := newFixture(t)
	f.add("a")
	const orphan = "0badc0de/client-secret"
	if err := f.mem.Set(orphan, "left by a killed add"); err != nil {
		t.Fatal(err)
	}
	owned := f.saved("a").ID + "/client-secret"

	out, stderr, code := f.run("", "repair")
	if code != 0 || out != orphan+"\n" || !strings.Contains(stderr, "--remove-orphans") {
		t.Errorf("repair: %q, exit %d, %s; want the orphan listed", out, code, stderr)
	}
	if f.mem.Len() != 2 {
		t.Errorf("listing removed items: %d left", f.mem.Len())
	}
	if out, _, code = f.run("", "repair", "--remove-orphans"); code != 0 || out != orphan+"\n" {
		t.Errorf("repair --remove-orphans: %q, exit %d", out, code)
	}
	if _, err := f.mem.Get(orphan); err == nil {
		t.Error("the orphan is still there")
	}
	if _, err := f.mem.Get(owned); err != nil {
		t.Errorf("the profile's own secret: %v", err)
	}
	if _, stderr, code = f.run("", "repair"); code != 0 || !strings.Contains(stderr, "nothing to repair") {
		t.Errorf("repair with no orphans: exit %d, %s", code, stderr)
	}

	// A team profile's cached token, its team file not read in this
	// shell, is not an orphan: it is said what it is, and kept.
	teamToken := storage.TeamID("/repo/tokendesk.json", "api") + "/token"
	if err := f.mem.Set(teamToken, "{}"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"repair"}, {"repair", "--remove-orphans"}} {
		out, stderr, code := f.run("", args...)
		if code != 0 || out != "" || !strings.Contains(stderr, "1 keychain item(s) (cached tokens, sign-ins) belong to team profiles") {
			t.Errorf("%s with a team profile's token: %q, exit %d, %s; want it said apart, not listed as an orphan", args, out, code, stderr)
		}
	}
	if _, err := f.mem.Get(teamToken); err != nil {
		t.Errorf("the team profile's token was removed: %v", err)
	}

	f.env.Keys = storage.NewKeychain(noList{f.mem})
	if _, stderr, code = f.run("", "repair"); code != 0 || !strings.Contains(stderr, "cannot list") {
		t.Errorf("repair over a keychain that cannot list: exit %d, %s", code, stderr)
	}
}

// noList is a keychain without a way to list its items (go-keyring's).
type noList struct{ m *storage.MemoryStore }

func (n noList) Get(u string) (string, error) { return n.m.Get(u) }
func (n noList) Set(u, v string) error        { return n.m.Set(u, v) }
func (n noList) Delete(u string) error        { return n.m.Delete(u) }
