package ui

import (
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/session"
)

// filterEntry is the list's filter box; onKey may take a key (Down, Enter,
// Escape) before the entry does.
type filterEntry struct {
	widget.Entry
	onKey func(*fyne.KeyEvent) bool
}

func newFilterEntry(onKey func(*fyne.KeyEvent) bool) *filterEntry {
	e := &filterEntry{onKey: onKey}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey lets onKey have the key first.
func (e *filterEntry) TypedKey(ev *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

// openAdd opens the add form; the list has the keyboard when it closes.
func (u *UI) openAdd() {
	u.onAdd()
	u.focusListAfterForm()
}

// openAddPreset opens the add form with a preset chosen.
func (u *UI) openAddPreset(name string) {
	u.openAdd()
	if u.form != nil {
		u.form.preset.SetSelected(name)
	}
}

// openEdit opens the edit form of the selected profile.
func (u *UI) openEdit() {
	if u.refuseTeamEdit() {
		return
	}
	u.onEdit()
	u.focusListAfterForm()
}

// openDuplicate opens the form on a copy of the selected profile.
func (u *UI) openDuplicate() {
	u.onDuplicate()
	u.focusListAfterForm()
}

func (u *UI) focusListAfterForm() {
	if u.form != nil && u.form.dlg != nil {
		u.form.dlg.SetOnClosed(u.focusList)
	}
}

// keyName is a shortcut as people write it: "Ctrl+Shift+U".
func keyName(s *desktop.CustomShortcut) string {
	var parts []string
	m := s.Modifier
	if m&fyne.KeyModifierShortcutDefault != 0 {
		if runtime.GOOS == "darwin" {
			parts = append(parts, "Cmd")
		} else {
			parts = append(parts, "Ctrl")
		}
	}
	if m&fyne.KeyModifierShift != 0 {
		parts = append(parts, "Shift")
	}
	return strings.Join(append(parts, string(s.KeyName)), "+")
}

// shortcutRows are the keys the window answers, for the sheet.
func shortcutRows() [][2]string {
	return [][2]string{
		{keyName(shortcutFind), "Filter the list"},
		{"↓ or Enter in the filter", "Go to the list, keeping the filter"},
		{"Escape in the filter", "Clear the filter and go to the list"},
		{"↑ ↓ in the list", "Select the profile above or below"},
		{"Enter, F5 or " + keyName(shortcutFetch), "Get token"},
		{keyName(shortcutCopyToken), "Copy token"},
		{keyName(shortcutCopyHeader), "Copy header (Authorization: Bearer …)"},
		{keyName(shortcutCopyCurl), "Copy curl"},
		{keyName(shortcutInspect), "Inspect token (introspection)"},
		{keyName(shortcutSignIn), "Sign in (a profile a person signs in to)"},
		{keyName(shortcutEdit), "Edit profile"},
		{keyName(shortcutNew), "Add profile"},
		{keyName(shortcutDuplicate), "Duplicate profile to another environment"},
		{"Delete in the list", "Delete profile (Undo for 10 s)"},
		{undoKeyName(), "Undo that delete"},
		{"Tab, Shift+Tab", "Filter → sort → list → Add profile → the profile's actions"},
		{"Escape", "Close a dialog; in the list, clear the filter"},
	}
}

// undoKeyName is how the platform writes Undo.
func undoKeyName() string {
	if runtime.GOOS == "darwin" {
		return "Cmd+Z"
	}
	return "Ctrl+Z"
}

// onShortcutSheet shows every keyboard shortcut.
func (u *UI) onShortcutSheet() {
	form := widget.NewForm()
	setForm(form, shortcutRows())
	note := widget.NewLabel("Shortcuts act on the profile selected in the list, and only while the list shows it.")
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Keyboard shortcuts", "Close", container.NewVBox(form, note), u.win)
	d.Resize(fyne.NewSize(620, 0))
	u.showDialog(d)
}

// keepLastError remembers a profile's last failure across restarts, and
// forgets it once a token came.
func (u *UI) keepLastError(id string) {
	if u.file == nil {
		return
	}
	p, err := u.file.ByID(id)
	if err != nil {
		return
	}
	st := u.session(p).Status(u.opts.Now())
	prefs, key := u.app.Preferences(), "lastError."+id
	switch {
	case st.Err != nil:
		if text := errorText(st.Err); prefs.String(key) != text {
			prefs.SetString(key, text)
		}
	case st.State == session.StateValid || st.State == session.StateExpiring:
		if prefs.String(key) != "" {
			prefs.RemoveValue(key)
		}
	}
}

// lastError is the failure remembered for profile id from an earlier run.
func (u *UI) lastError(id string) string {
	return u.app.Preferences().String("lastError." + id)
}

// tipButton is a button that says what it does, and its keys, in the
// status bar while the pointer is over it: Fyne 2.7 has no tooltips.
type tipButton struct {
	widget.Button
	tip  string
	show func(string)
}

// MouseIn shows the tip.
func (b *tipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.show(b.tip)
}

// MouseOut takes the tip away.
func (b *tipButton) MouseOut() {
	b.Button.MouseOut()
	b.show("")
}

// hint shows a button's tip in the status bar's place; "" gives the place
// back to the status.
func (u *UI) hint(text string) {
	if u.tip.Text == text {
		return
	}
	u.tip.SetText(text)
	if text == "" {
		u.tip.Hide()
		u.status.Show()
	} else {
		u.status.Hide()
		u.tip.Show()
	}
}
