package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// What another process (the command line) does to the profiles file and
// the cached tokens shows in the open window, which keeps its selection
// and says so in an edit form whose profile changed.
func TestWatchSeesOtherProcesses(t *testing.T) {
	alpha := prof("a1", "alpha", "local", "https://as.example.com/token")
	bravo := prof("b1", "bravo", "staging", "https://as.example.com/token")
	h := newHarness(t, alpha, bravo)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := h.u.watch(ctx, h.store.Dir()); err != nil {
		t.Fatal(err)
	}
	h.u.Preload()
	h.until("the cache read", func() bool { return h.rowText("alpha") == "no token" })
	h.selectName("bravo")
	h.u.onEdit()
	form := h.u.form
	if form == nil {
		t.Fatal("no edit form open")
	}

	// The other process: its own store and keychain over the same secrets.
	cli := storage.Open(h.store.Dir())
	cliKeys := storage.NewKeychain(storage.MarkTokens(h.mem, h.store.Dir()))
	update := func(fn func(*storage.File) error) func() error {
		return func() error { return cli.Update(fn) }
	}
	shown := func(name string) bool {
		return slices.ContainsFunc(h.u.shown, func(p model.Profile) bool { return p.Name == name })
	}
	steps := []struct {
		name string
		do   func() error
		want func() bool
	}{
		{"profile added", update(func(f *storage.File) error {
			_, err := f.Put(prof("c1", "aardvark", "prod", "https://as.example.com/token"))
			return err
		}), func() bool { return shown("aardvark") }},
		{"selected profile edited", update(func(f *storage.File) error {
			p, err := f.ByID("b1")
			if err != nil {
				return err
			}
			p.Env = "prod"
			_, err = f.Put(p)
			return err
		}), func() bool {
			return h.u.detail.badge.text.Text == "prod" && h.u.detail.title.Text == "bravo" &&
				form.problem.Visible() && strings.Contains(form.problem.Text, "changed on disk")
		}},
		{"token fetched", func() error {
			_, err := cliKeys.SetToken("a1", model.Token{AccessToken: "from-cli", TokenType: "bearer",
				IssuedAt: epoch, Expiry: epoch.Add(time.Hour), Fingerprint: alpha.Fingerprint()})
			return err
		}, func() bool { return h.rowText("alpha") == "valid 1 h 00 min" }},
		{"token forgotten", func() error { return cliKeys.DeleteToken("a1") },
			func() bool { return h.rowText("alpha") == "no token" }},
		{"profile removed", update(func(f *storage.File) error { return f.Remove("c1") }),
			func() bool { return !shown("aardvark") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		h.until(s.name+" to show", s.want)
		if h.u.selected != "b1" {
			t.Errorf("after %s: selected %q; want bravo's b1 still", s.name, h.u.selected)
		}
	}
	if h.u.form != form {
		t.Error("the open form was replaced")
	}
	// The profile being edited, deleted elsewhere: the form says so.
	if err := cli.Update(func(f *storage.File) error { return f.Remove("b1") }); err != nil {
		t.Fatal(err)
	}
	h.until("the deletion to show", func() bool {
		// The pane moves to a profile the list shows (never the deleted one).
		cur := h.u.current()
		return !shown("bravo") && (cur == nil || cur.ID != "b1") && strings.Contains(form.problem.Text, "was deleted")
	})
}
