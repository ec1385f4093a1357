package ui

import (
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/storage"
)

// menuItem is the item labelled label in the window's menu named menu.
func menuItem(t *testing.T, win fyne.Window, menu, label string) *fyne.MenuItem {
	t.Helper()
	mm := win.MainMenu()
	if mm == nil {
		t.Fatal("the window has no main menu")
	}
	for _, m := range mm.Items {
		if m.Label != menu {
			continue
		}
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	t.Fatalf("no %q in the %s menu", label, menu)
	return nil
}

// openSettings opens File → Settings… and returns the dialog.
func (h *harness) openSettings(t *testing.T) *settingsForm {
	t.Helper()
	menuItem(t, h.win, "File", "Settings…").Action()
	f := h.u.settings
	if f == nil || h.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Settings… showed no dialog")
	}
	return f
}

// typeSettings types new settings into the dialog with the keyboard, as a
// person does: the clipboard time, the margin, notifications off; Enter
// in the margin saves.
func typeSettings(t *testing.T, h *harness, f *settingsForm, clear, margin string) {
	t.Helper()
	k := keyboard{t, h.win}
	ctrl := fyne.KeyModifierShortcutDefault
	if h.win.Canvas().Focused() != f.clear {
		t.Fatal("the dialog opened without the focus on its first field")
	}
	k.press(fyne.KeyA, ctrl)
	k.typeText(clear)
	k.tabTo(f.notify)
	k.typeText(" ") // notifications off
	k.tabTo(f.margin)
	k.press(fyne.KeyA, ctrl)
	k.typeText(margin)
	k.press(fyne.KeyReturn, 0)
}

// useStore makes the window's core save through s.
func (h *harness) useStore(s core.Profiles) {
	h.u.desk = core.New(s, h.keys, h.u.opts.Sessions)
}

// TestSettingsDialogSaves: settings typed into the dialog reach the
// profiles file through the core, and the window follows them.
func TestSettingsDialogSaves(t *testing.T) {
	h := newHarness(t, prof("1", "a", "", "https://a.example.com/token"))
	f := h.openSettings(t)
	if got := [2]string{f.clear.Text, f.margin.Text}; got != [2]string{"45", "60"} || !f.notify.Checked {
		t.Fatalf("dialog opened with %q, notifications %v; want the defaults 45, 60, on", got, f.notify.Checked)
	}
	typeSettings(t, h, f, "90", "120")
	h.until("the dialog to close", func() bool { return h.u.settings == nil })
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Settings{ClearClipboardSeconds: 90, RefreshMarginSeconds: 120, NoNotifications: true}
	if !reflect.DeepEqual(file.Settings, want) {
		t.Errorf("file holds %+v; want %+v", file.Settings, want)
	}
	if got := h.u.clearAfter(); got != 90*time.Second {
		t.Errorf("the window clears the clipboard after %v; want 1m30s", got)
	}
	if got, want := h.u.status.Text, "Settings saved"; got != want {
		t.Errorf("status %q; want %q", got, want)
	}
	if h.win.Canvas().Overlays().Top() != nil {
		t.Error("a dialog is still open after saving")
	}
}

// TestSettingsDialogKeepsChangesMadeMeanwhile: only what the person
// changed is saved; a setting changed elsewhere while the dialog was open
// survives.
func TestSettingsDialogKeepsChangesMadeMeanwhile(t *testing.T) {
	h := newHarness(t)
	f := h.openSettings(t)
	if err := h.store.Update(func(file *storage.File) error { file.Settings.RefreshMarginSeconds = 300; return nil }); err != nil {
		t.Fatal(err)
	}
	typeSettings(t, h, f, "30", f.margin.Text)
	h.until("the dialog to close", func() bool { return h.u.settings == nil })
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Settings{ClearClipboardSeconds: 30, RefreshMarginSeconds: 300, NoNotifications: true}
	if !reflect.DeepEqual(file.Settings, want) {
		t.Errorf("file holds %+v; want %+v", file.Settings, want)
	}
}

// failingStore is a profiles file that cannot be written.
type failingStore struct{ *storage.Store }

var errDiskFull = errors.New("disk full")

func (failingStore) Update(func(*storage.File) error) error { return errDiskFull }

// TestSettingsDialogSaveFails: a save that fails leaves the dialog open
// with everything typed, says why, and lets the person try again.
func TestSettingsDialogSaveFails(t *testing.T) {
	h := newHarness(t)
	h.useStore(failingStore{h.store})
	f := h.openSettings(t)
	typeSettings(t, h, f, "90", "120")
	h.until("the failure", func() bool { return f.problem.Visible() })
	if got, want := f.problem.Text, "Not saved: disk full"; got != want {
		t.Errorf("problem %q; want %q", got, want)
	}
	if h.u.settings != f || h.win.Canvas().Overlays().Top() == nil {
		t.Fatal("the dialog closed on a failed save; want it open")
	}
	if got := [2]string{f.clear.Text, f.margin.Text}; got != [2]string{"90", "120"} || f.notify.Checked {
		t.Errorf("after the failure the dialog holds %q, notifications %v; want 90, 120, off as typed", got, f.notify.Checked)
	}
	if f.save.Disabled() || f.save.Text != "Save" || f.saving.Visible() {
		t.Errorf("after the failure Save is %q, disabled %v, progress shown %v; want Save again", f.save.Text, f.save.Disabled(), f.saving.Visible())
	}
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(file.Settings, storage.Settings{}) {
		t.Errorf("file holds %+v; want nothing saved", file.Settings)
	}
}

// gateStore is a profiles file whose writes wait for release, as a slow
// disk or a lock held by another process makes them.
type gateStore struct {
	*storage.Store
	release chan struct{}
	// stuck: a write waited in vain, which only happens when it blocks
	// the goroutine that would release it (the test's: the UI thread).
	stuck atomic.Bool
}

func (g *gateStore) Update(fn func(*storage.File) error) error {
	select {
	case <-g.release:
	case <-time.After(10 * time.Second):
		g.stuck.Store(true)
	}
	return g.Store.Update(fn)
}

// TestSettingsDialogSavesOffUIThread: the save runs off the UI thread;
// meanwhile the dialog shows it under way and Save waits.
func TestSettingsDialogSavesOffUIThread(t *testing.T) {
	h := newHarness(t)
	g := &gateStore{Store: h.store, release: make(chan struct{})}
	h.useStore(g)
	f := h.openSettings(t)
	typeSettings(t, h, f, "90", "120")
	if g.stuck.Load() {
		t.Fatal("the save blocked the UI thread")
	}
	if !f.save.Disabled() || f.save.Text != "Saving…" || !f.saving.Visible() || h.u.settings != f {
		t.Errorf("while saving: Save %q disabled %v, progress shown %v, dialog open %v; want Saving… disabled, shown, open",
			f.save.Text, f.save.Disabled(), f.saving.Visible(), h.u.settings == f)
	}
	// Nothing typed meanwhile is dropped unsaid, nor does Escape or a
	// second Settings… leave a save landing behind a closed dialog.
	if !f.clear.Disabled() || !f.margin.Disabled() || !f.notify.Disabled() || !f.cancel.Disabled() {
		t.Errorf("while saving: fields disabled %v %v %v, Cancel %v; want all disabled",
			f.clear.Disabled(), f.margin.Disabled(), f.notify.Disabled(), f.cancel.Disabled())
	}
	keyboard{t, h.win}.press(fyne.KeyEscape, 0)
	menuItem(t, h.win, "File", "Settings…").Action()
	if h.u.settings != f || f.closed || h.win.Canvas().Overlays().Top() == nil || len(h.win.Canvas().Overlays().List()) != 1 {
		t.Errorf("after Escape and Settings… while saving: dialog %v, closed %v, overlays %d; want the one dialog open",
			h.u.settings == f, f.closed, len(h.win.Canvas().Overlays().List()))
	}
	close(g.release)
	h.until("the dialog to close", func() bool { return h.u.settings == nil })
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if file.Settings.ClearClipboardSeconds != 90 {
		t.Errorf("file holds %+v; want the clipboard cleared after 90 s", file.Settings)
	}
}

// TestSettingsDialogChecksRange: a number out of range is refused in the
// dialog, with the range the core allows; nothing is saved.
func TestSettingsDialogChecksRange(t *testing.T) {
	h := newHarness(t)
	f := h.openSettings(t)
	typeSettings(t, h, f, "-5", "x")
	h.drain()
	if h.u.settings != f {
		t.Fatal("the dialog closed with invalid settings")
	}
	for _, tc := range []struct {
		e    *formEntry
		want string
	}{
		{f.clear, "a whole number of seconds, at least -1"},
		{f.margin, "a whole number of seconds"},
	} {
		if err := tc.e.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v; want %q", tc.e.Text, err, tc.want)
		}
	}
	if !f.save.Disabled() {
		t.Error("Save is on with invalid settings")
	}
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(file.Settings, storage.Settings{}) {
		t.Errorf("file holds %+v; want nothing saved", file.Settings)
	}
}

// TestSettingsDialogCtrlEnterOnCheckBox: Ctrl+Enter saves from any field
// of the dialog, the check box too.
func TestSettingsDialogCtrlEnterOnCheckBox(t *testing.T) {
	h := newHarness(t)
	f := h.openSettings(t)
	k := keyboard{t, h.win}
	k.tabTo(f.notify)
	k.typeText(" ") // notifications off
	k.press(fyne.KeyReturn, fyne.KeyModifierShortcutDefault)
	h.until("the dialog to close", func() bool { return h.u.settings == nil })
	file, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !file.Settings.NoNotifications {
		t.Errorf("file holds %+v; want notifications off", file.Settings)
	}
}
