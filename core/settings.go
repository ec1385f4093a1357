package core

import (
	"fmt"

	"github.com/tokendesk/tokendesk/storage"
)

// SettingsChange is an edit of the settings both faces share
// (storage.Settings). A nil field is left as the profiles file holds it,
// so that two edits of different settings both survive.
type SettingsChange struct {
	// ClearClipboardSeconds is how long a copied token stays on the
	// clipboard: -1 or 0 never clears (the file keeps -1: its 0 means the
	// default, 45 seconds).
	ClearClipboardSeconds *int
	// RefreshMarginSeconds: a cached token with less than this left is
	// replaced; 0 means 60 seconds.
	RefreshMarginSeconds *int
	// Notifications turns desktop notifications on or off.
	Notifications *bool
}

// SettingError is a setting out of its range: a mistake in what was
// typed, not a failure.
type SettingError struct {
	// Setting names the field as SettingsChange does.
	Setting string
	Value   int
	// Least is the smallest value the setting takes.
	Least int
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s %d: want a whole number of seconds, at least %d", e.Setting, e.Value, e.Least)
}

// Check says whether every setting c sets is in its range, reading no
// file: a face checks what is typed with it before saving.
func (c SettingsChange) Check() error {
	for _, s := range []struct {
		name  string
		v     *int
		least int
	}{
		{"ClearClipboardSeconds", c.ClearClipboardSeconds, -1},
		{"RefreshMarginSeconds", c.RefreshMarginSeconds, 0},
	} {
		if s.v != nil && *s.v < s.least {
			return &SettingError{Setting: s.name, Value: *s.v, Least: s.least}
		}
	}
	return nil
}

// SetSettings applies c to the settings as the profiles file holds them
// now and returns them as saved. A setting out of its range is a
// *SettingError, and nothing is saved.
func (d *Desk) SetSettings(c SettingsChange) (storage.Settings, error) {
	if err := c.Check(); err != nil {
		return storage.Settings{}, err
	}
	var saved storage.Settings
	err := d.store.Update(func(f *storage.File) error {
		s := &f.Settings
		if c.ClearClipboardSeconds != nil {
			s.ClearClipboardSeconds = *c.ClearClipboardSeconds
			if s.ClearClipboardSeconds == 0 {
				s.ClearClipboardSeconds = -1 // "clear after 0 s" is never
			}
		}
		if c.RefreshMarginSeconds != nil {
			s.RefreshMarginSeconds = *c.RefreshMarginSeconds
		}
		if c.Notifications != nil {
			s.NoNotifications = !*c.Notifications
		}
		saved = *s
		return nil
	})
	if err != nil {
		return storage.Settings{}, err
	}
	return saved, nil
}
