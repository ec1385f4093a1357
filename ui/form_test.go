package ui

import (
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// says is every message the form shows: under the form and on its fields.
func (f *profileForm) says() string {
	var out []string
	if f.problem.Visible() && f.problem.Text != "" {
		out = append(out, f.problem.Text)
	}
	for _, e := range []*formEntry{f.name, f.tokenURL, f.baseURL, f.clientID, f.secret, f.params, f.timeout, f.introspectionURL} {
		if e.msg.Text != "" {
			out = append(out, e.msg.Text)
		}
	}
	if f.headersMsg.Text != "" {
		out = append(out, f.headersMsg.Text)
	}
	return strings.Join(out, "; ")
}

// endUndo lets the last deletion's time to undo run out and waits for its
// keychain items to go.
func (h *harness) endUndo() {
	h.t.Helper()
	del := h.u.undo.del
	if del == nil {
		h.t.Fatal("no deletion to undo")
	}
	h.timers[len(h.timers)-1]()
	h.until("the purge", func() bool {
		return strings.HasPrefix(h.u.status.Text, "Deleted "+del.Profile.Name+" with its client secret")
	})
}

// keyboard presses keys in a window the way Fyne's desktop driver routes
// them (internal/driver/glfw/window.go: processKeyPressed, capturesTab,
// triggersShortcut), which the test driver does not: Tab moves the focus
// unless the focused widget accepts tabs; a key with Ctrl goes to the main
// menu's shortcuts, then to a focused widget that takes shortcuts, then to
// the window's; any other key to the focused widget, or else the window.
type keyboard struct {
	t   *testing.T
	win fyne.Window
}

func (k keyboard) press(name fyne.KeyName, mod fyne.KeyModifier) {
	k.t.Helper()
	c := k.win.Canvas()
	focused := c.Focused()
	if name == fyne.KeyTab && mod&^fyne.KeyModifierShift == 0 {
		if tb, ok := focused.(fyne.Tabbable); ok && tb.AcceptsTab() {
			focused.TypedKey(&fyne.KeyEvent{Name: name})
		} else if mod == fyne.KeyModifierShift {
			c.FocusPrevious()
		} else {
			c.FocusNext()
		}
		return
	}
	if mod&^fyne.KeyModifierShift != 0 {
		var s fyne.Shortcut = &desktop.CustomShortcut{KeyName: name, Modifier: mod}
		if mod == fyne.KeyModifierShortcutDefault {
			switch name {
			case fyne.KeyZ:
				s = &fyne.ShortcutUndo{}
			case fyne.KeyA:
				s = &fyne.ShortcutSelectAll{}
			}
		}
		if menu := k.win.MainMenu(); menu != nil {
			for _, m := range menu.Items {
				for _, it := range m.Items {
					if it.Shortcut != nil && it.Shortcut.ShortcutName() == s.ShortcutName() {
						it.Action()
						return
					}
				}
			}
		}
		if sc, ok := focused.(fyne.Shortcutable); ok {
			sc.TypedShortcut(s)
			return
		}
		c.(fyne.Shortcutable).TypedShortcut(s)
		return
	}
	if focused != nil {
		focused.TypedKey(&fyne.KeyEvent{Name: name})
	} else if f := c.OnTypedKey(); f != nil {
		f(&fyne.KeyEvent{Name: name})
	}
}

// typeText types s into whatever has the focus.
func (k keyboard) typeText(s string) {
	k.t.Helper()
	focused := k.win.Canvas().Focused()
	if focused == nil {
		k.t.Fatalf("typing %q with nothing focused", s)
	}
	for _, r := range s {
		focused.TypedRune(r)
	}
}

// tabTo presses Tab until target has the focus.
func (k keyboard) tabTo(target fyne.Focusable) {
	k.t.Helper()
	for range 40 {
		if k.win.Canvas().Focused() == target {
			return
		}
		k.press(fyne.KeyTab, 0)
	}
	k.t.Fatalf("Tab never reached %T", target)
}

// TestKeyboardOnly adds a profile, duplicates it to prod, deletes the copy
// and undoes that, with keys only.
func TestKeyboardOnlyAddDuplicateDeleteUndo(t *testing.T) {
	h := newHarness(t)
	k := keyboard{t, h.win}
	ctrl := fyne.KeyModifierShortcutDefault

	k.press(fyne.KeyN, ctrl)
	f := h.u.form
	if f == nil {
		t.Fatal("Ctrl+N opened no form")
	}
	k.typeText("api-local") // the name has the focus
	k.tabTo(f.env)
	k.typeText("local")
	k.tabTo(f.tokenURL)
	k.typeText("http://127.0.0.1:9/token")
	k.tabTo(f.clientID)
	k.typeText("cid")
	k.tabTo(f.secret)
	k.typeText("local-secret")
	k.press(fyne.KeyReturn, ctrl)
	h.until("the add", func() bool { return h.u.form == nil || f.says() != "" })
	if h.u.form != nil {
		t.Fatalf("Ctrl+Enter did not save: %q", f.says())
	}
	src := h.u.current()
	if src == nil || src.Name != "api-local" || src.Env != "local" || src.ClientID != "cid" || src.TokenURL != "http://127.0.0.1:9/token" {
		t.Fatalf("added %+v", src)
	}

	k.press(fyne.KeyD, ctrl)
	f = h.u.form
	if f == nil || h.win.Canvas().Focused() != f.env {
		t.Fatal("Ctrl+D opened no form asking for the environment")
	}
	k.typeText("prod")
	if f.name.Text != "api-prod" {
		t.Errorf("the copy's suggested name %q; want api-prod", f.name.Text)
	}
	k.tabTo(f.tokenURL)
	k.press(fyne.KeyA, ctrl)
	k.typeText("https://auth.example.com/token")
	k.tabTo(f.secret)
	k.typeText("prod-secret")
	k.press(fyne.KeyReturn, ctrl)
	h.until("the copy", func() bool { return h.u.form == nil || f.says() != "" })
	if h.u.form != nil {
		t.Fatalf("the copy did not save: %q", f.says())
	}
	cp := h.u.current()
	if cp == nil || cp.Name != "api-prod" || cp.Env != "prod" || cp.ID == src.ID || cp.ClientID != "cid" || cp.TokenURL != "https://auth.example.com/token" {
		t.Fatalf("copy %+v", cp)
	}
	for id, want := range map[string]string{src.ID: "local-secret", cp.ID: "prod-secret"} {
		if got, _ := h.keys.ClientSecret(id); got != want {
			t.Errorf("secret of %s: got %q; want %q", id, got, want)
		}
	}

	h.win.Canvas().Unfocus()
	k.press(fyne.KeyDelete, 0)
	h.until("the delete", func() bool { return strings.HasPrefix(h.u.status.Text, "Deleted api-prod") })
	if h.u.list.Length() != 1 || !h.u.undo.btn.Visible() {
		t.Fatalf("after Delete: %d rows, Undo shown %v", h.u.list.Length(), h.u.undo.btn.Visible())
	}
	k.press(fyne.KeyZ, ctrl)
	h.until("the undo", func() bool { return h.u.status.Text == "Restored api-prod" })
	if p := h.u.current(); p == nil || p.ID != cp.ID {
		t.Fatalf("after Undo the selection is %+v; want the restored copy", p)
	}
	h.timers[len(h.timers)-1]() // the time to undo runs out: nothing left to purge
	h.drain()
	if got, _ := h.keys.ClientSecret(cp.ID); got != "prod-secret" {
		t.Errorf("restored copy's secret %q; want prod-secret", got)
	}
}

// TestTabLeavesMultiLineFields: Tab and Shift+Tab move the focus out of
// Parameters and Notes instead of typing a tab.
func TestTabLeavesMultiLineFields(t *testing.T) {
	h := newHarness(t)
	k := keyboard{t, h.win}
	h.u.onAdd()
	f := h.u.form
	f.showAdvanced(true)
	for _, e := range []*formEntry{f.params, f.notes} {
		for _, mod := range []fyne.KeyModifier{0, fyne.KeyModifierShift} {
			h.win.Canvas().Focus(e)
			k.typeText("a=b")
			k.press(fyne.KeyTab, mod)
			if h.win.Canvas().Focused() == e || strings.Contains(e.Text, "\t") {
				t.Errorf("%q with modifier %v: the focus stayed or a tab was typed (%q)", e.PlaceHolder, mod, e.Text)
			}
			e.SetText("")
		}
	}
	// Escape closes the form from a field.
	h.win.Canvas().Focus(f.notes)
	k.press(fyne.KeyEscape, 0)
	if h.u.form != nil {
		t.Error("Escape in Notes did not close the form")
	}
}

// TestInsecureTokenURLSaysSoOnTheField: plain http:// to another machine
// is refused on the Token URL field, with the box that allows it beside
// the message, nothing else moving; ticking it clears the message.
func TestInsecureTokenURLSaysSoOnTheField(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	f.name.SetText("lan")
	f.clientID.SetText("c")
	f.secret.SetText("s")
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject
	below := pos(f.clientID)
	f.tokenURL.SetText("http://10.1.2.3/oauth2/token")
	test.Tap(f.save)
	if !strings.Contains(f.tokenURL.msg.Text, "clear text") || f.problem.Visible() {
		t.Fatalf("token URL says %q, under the form %q; want the message on the field only", f.tokenURL.msg.Text, f.problem.Text)
	}
	if !f.allowInsecure.Visible() {
		t.Fatal("the box that allows http:// is not shown")
	}
	msg, box := pos(f.tokenURL.msg), pos(f.allowInsecure)
	field := pos(f.tokenURL)
	if box.Y < field.Y+f.tokenURL.Size().Height || box.Y+f.allowInsecure.Size().Height > below.Y || box.X <= msg.X {
		t.Errorf("the box at %v is not beside the message at %v, between the token URL at %v and the client ID at %v", box, msg, field, below)
	}
	if got := pos(f.clientID); got != below {
		t.Errorf("the client ID moved from %v to %v when the message showed", below, got)
	}
	test.Tap(f.allowInsecure)
	if f.tokenURL.msg.Text != "" {
		t.Errorf("after allowing it the field still says %q", f.tokenURL.msg.Text)
	}
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil || f.says() != "" })
	if h.u.form != nil {
		t.Fatalf("the form says %q", f.says())
	}
}

// TestFocusedButtonShowsRing: a focused button, also the blue Save, has a
// visible ring; an unfocused one none.
func TestFocusedButtonShowsRing(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	r := test.WidgetRenderer(f.save).(*ringRenderer)
	if r.ring.StrokeColor != (color.Transparent) {
		t.Error("an unfocused button has a ring")
	}
	h.win.Canvas().Focus(f.save)
	if r.ring.StrokeColor == (color.Transparent) || r.ring.StrokeWidth == 0 {
		t.Error("the focused Save button shows no ring")
	}
}

// TestPresetSuggestsNameAndEnvironment: a preset names the profile and its
// environment until the person types a name of their own.
func TestPresetSuggestsNameAndEnvironment(t *testing.T) {
	h := newHarness(t)
	h.u.onAdd()
	f := h.u.form
	steps := []struct {
		do        func()
		name, env string
	}{
		{func() { f.preset.SetSelected("Medplum cloud") }, "medplum-prod", "prod"},
		{func() { f.preset.SetSelected("Medplum local (port 8103)") }, "medplum-local", "local"},
		{func() { f.env.SetText("dev") }, "medplum-dev", "dev"},
		{func() { f.name.SetText("my-api") }, "my-api", "dev"},
		{func() { f.env.SetText("qa") }, "my-api", "qa"},
	}
	for i, s := range steps {
		s.do()
		if f.name.Text != s.name || f.env.Text != s.env {
			t.Errorf("step %d: name %q, environment %q; want %q, %q", i+1, f.name.Text, f.env.Text, s.name, s.env)
		}
	}
}

// TestAdvancedOpensWhenNeeded: the Advanced section is closed for a new
// profile, open for one that uses its fields, and opens for a message in
// it.
func TestAdvancedOpensWhenNeeded(t *testing.T) {
	plain := prof("1", "plain", "", "https://a.example/token")
	plain.RequestPath = ""
	noted := prof("2", "noted", "", "https://a.example/token")
	noted.Notes = "see the wiki"
	h := newHarness(t, plain, noted)
	for _, tt := range []struct {
		name string
		open bool
	}{{"plain", false}, {"noted", true}} {
		h.selectName(tt.name)
		h.u.onEdit()
		if got := h.u.form.advancedOpen(); got != tt.open {
			t.Errorf("editing %s: Advanced open %v; want %v", tt.name, got, tt.open)
		}
		h.u.form.close()
	}
	h.u.onAdd()
	f := h.u.form
	if f.advancedOpen() {
		t.Fatal("Advanced open on a new profile")
	}
	f.name.SetText("n")
	f.tokenURL.SetText("https://a.example/token")
	f.clientID.SetText("c")
	f.secret.SetText("s")
	f.timeout.SetText("soon")
	test.Tap(f.save)
	if !f.advancedOpen() || h.win.Canvas().Focused() != f.timeout || f.timeout.msg.Text == "" {
		t.Errorf("a bad timeout: Advanced open %v, focused %v, message %q", f.advancedOpen(), h.win.Canvas().Focused() == f.timeout, f.timeout.msg.Text)
	}
}

// TestEditShowsPresetWithoutApplyingIt: a profile made from a preset names
// it in the form, but its own URLs stay.
func TestEditShowsPresetWithoutApplyingIt(t *testing.T) {
	p := prof("1", "mp", "prod", "https://api.medplum.com/oauth2/token")
	p.BaseURL = "https://api.medplum.com/fhir/R4/"
	h := newHarness(t, p)
	h.selectName("mp")
	h.u.onEdit()
	f := h.u.form
	if f.preset.Selected != "Medplum cloud" || f.baseURL.Text != p.BaseURL {
		t.Errorf("preset %q, base URL %q; want Medplum cloud, %q", f.preset.Selected, f.baseURL.Text, p.BaseURL)
	}
}
