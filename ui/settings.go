package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/session"
)

// settingsForm is the Settings dialog: the settings both faces share. It
// saves through the core off the UI thread and closes once they are
// saved; on failure it stays open with everything typed.
type settingsForm struct {
	u   *UI
	dlg *dialog.CustomDialog

	form          *widget.Form
	clear, margin *formEntry
	notify        *formCheck
	// problem says why the settings were not saved.
	problem *widget.Label
	saving  *widget.ProgressBarInfinite
	save    *ringButton
	// shown is what the dialog opened with: only what the person changed
	// is saved, so that a change made elsewhere meanwhile survives.
	shownClear, shownMargin int
	shownNotify             bool
	cancel                  *ringButton
	closed                  bool
	// busy says a save is under way: the dialog neither closes nor takes
	// input until it ends, so nothing typed meanwhile is lost unsaid.
	busy bool
}

// onSettings opens the Settings dialog.
func (u *UI) onSettings() {
	if u.file == nil {
		return
	}
	if u.settings != nil { // one at a time: a second would show stale values
		u.win.Canvas().Focus(u.settings.clear)
		return
	}
	f := &settingsForm{u: u}
	k := &formKeys{escape: f.close, submit: f.onSave}
	s := u.file.Settings
	f.shownClear = int(u.clearAfter() / time.Second)
	f.shownMargin = s.RefreshMarginSeconds
	if f.shownMargin == 0 {
		f.shownMargin = int(session.DefaultMargin / time.Second)
	}
	f.shownNotify = !s.NoNotifications

	f.clear = newFormEntry(k, "", false)
	f.clear.SetText(strconv.Itoa(f.shownClear))
	f.clear.Validator = secondsCheck(func(n int) core.SettingsChange { return core.SettingsChange{ClearClipboardSeconds: &n} })
	f.margin = newFormEntry(k, "", false)
	f.margin.SetText(strconv.Itoa(f.shownMargin))
	f.margin.Validator = secondsCheck(func(n int) core.SettingsChange { return core.SettingsChange{RefreshMarginSeconds: &n} })
	for _, e := range []*formEntry{f.clear, f.margin} {
		e.OnSubmitted = func(string) { f.onSave() }
	}
	f.notify = newFormCheck(k, "Desktop notifications", nil)
	f.notify.SetChecked(f.shownNotify)
	f.form = widget.NewForm(
		&widget.FormItem{Text: "Clear clipboard after (s)", Widget: f.clear, HintText: "-1 or 0 never clears"},
		&widget.FormItem{Text: "Refresh margin (s)", Widget: f.margin, HintText: "a token with less left is replaced"},
		&widget.FormItem{Text: "", Widget: f.notify},
	)
	f.problem = widget.NewLabel("")
	f.problem.Importance = widget.DangerImportance
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Hide()
	f.saving = widget.NewProgressBarInfinite()
	f.saving.Stop()
	f.saving.Hide()
	f.cancel = newRingButton(k, "Cancel", widget.MediumImportance, f.close)
	f.save = newRingButton(k, "Save", widget.HighImportance, f.onSave)
	f.form.SetOnValidationChanged(func(err error) {
		if err != nil {
			f.save.Disable()
		} else if !f.busy {
			f.save.Enable()
		}
	})
	f.dlg = dialog.NewCustomWithoutButtons("Settings", container.NewVBox(f.form, f.problem, f.saving), u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{f.cancel, f.save})
	f.dlg.SetOnClosed(func() {
		f.closed = true
		if u.settings == f {
			u.settings = nil
		}
		u.focusList()
	})
	f.dlg.Resize(fyne.NewSize(520, 0))
	f.dlg.Show()
	u.settings = f
	u.win.Canvas().Focus(f.clear)
}

// secondsCheck checks a number of seconds typed for the setting that
// change makes of it (core.SettingsChange.Check: the ranges live there).
func secondsCheck(change func(n int) core.SettingsChange) fyne.StringValidator {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return errors.New("a whole number of seconds")
		}
		var se *core.SettingError
		if errors.As(change(n).Check(), &se) {
			return fmt.Errorf("a whole number of seconds, at least %d", se.Least)
		}
		return nil
	}
}

// close closes the dialog without saving; not while a save is under way.
func (f *settingsForm) close() {
	if !f.busy && !f.closed {
		f.dlg.Hide()
	}
}

// change is what the person changed in the dialog.
func (f *settingsForm) change() core.SettingsChange {
	var c core.SettingsChange
	if n, _ := strconv.Atoi(strings.TrimSpace(f.clear.Text)); n != f.shownClear {
		c.ClearClipboardSeconds = &n
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(f.margin.Text)); n != f.shownMargin {
		c.RefreshMarginSeconds = &n
	}
	if on := f.notify.Checked; on != f.shownNotify {
		c.Notifications = &on
	}
	return c
}

// onSave saves what was changed off the UI thread, the dialog waiting
// with a progress bar; it closes once saved.
func (f *settingsForm) onSave() {
	if f.busy || f.save.Disabled() {
		return
	}
	if err := f.form.Validate(); err != nil {
		return // the field says what is wrong
	}
	c := f.change()
	f.setBusy(true)
	u := f.u
	go func() {
		saved, err := u.desk.SetSettings(c)
		u.opts.Do(func() {
			f.setBusy(false)
			if err != nil {
				fyne.LogError("save settings", err)
				f.problem.SetText("Not saved: " + errorText(err))
				f.problem.Show()
				return
			}
			f.close()
			// As saved: the file watcher reloads the rest when it sees the write.
			u.file.Settings = saved
			u.opts.Sessions.SetMargin(time.Duration(saved.RefreshMarginSeconds) * time.Second)
			u.detail.show(u.current())
			u.say("Settings saved")
		})
	}()
}

// setBusy shows the save under way: the fields, Cancel and Save wait for
// it.
func (f *settingsForm) setBusy(on bool) {
	f.busy = on
	for _, w := range []fyne.Disableable{f.clear, f.margin, f.notify, f.cancel} {
		if on {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if on {
		f.problem.Hide()
		f.save.Disable()
		f.save.SetText("Saving…")
		f.saving.Show()
		f.saving.Start()
		return
	}
	f.saving.Stop()
	f.saving.Hide()
	f.save.SetText("Save")
	if f.form.Validate() == nil {
		f.save.Enable()
	}
}
