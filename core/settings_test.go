package core

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tokendesk/tokendesk/storage"
)

// SetSettings changes only the settings it is given, applied to the file as
// it is now: a setting changed meanwhile by another process survives.
func TestSetSettings(t *testing.T) {
	before := storage.Settings{ClearClipboardSeconds: 30, RefreshMarginSeconds: 90, TeamFiles: []string{"team.json"}}
	for _, tc := range []struct {
		name string
		c    SettingsChange
		want storage.Settings
	}{
		{"nothing", SettingsChange{}, before},
		{"clear clipboard", SettingsChange{ClearClipboardSeconds: new(120)},
			storage.Settings{ClearClipboardSeconds: 120, RefreshMarginSeconds: 90, TeamFiles: []string{"team.json"}}},
		{"never clear", SettingsChange{ClearClipboardSeconds: new(-1)},
			storage.Settings{ClearClipboardSeconds: -1, RefreshMarginSeconds: 90, TeamFiles: []string{"team.json"}}},
		{"clear after 0 s is never", SettingsChange{ClearClipboardSeconds: new(0)},
			storage.Settings{ClearClipboardSeconds: -1, RefreshMarginSeconds: 90, TeamFiles: []string{"team.json"}}},
		{"margin to default", SettingsChange{RefreshMarginSeconds: new(0)},
			storage.Settings{ClearClipboardSeconds: 30, TeamFiles: []string{"team.json"}}},
		{"notifications off", SettingsChange{Notifications: new(false)},
			storage.Settings{ClearClipboardSeconds: 30, RefreshMarginSeconds: 90, NoNotifications: true, TeamFiles: []string{"team.json"}}},
		{"all", SettingsChange{ClearClipboardSeconds: new(10), RefreshMarginSeconds: new(5), Notifications: new(true)},
			storage.Settings{ClearClipboardSeconds: 10, RefreshMarginSeconds: 5, TeamFiles: []string{"team.json"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if err := f.store.Update(func(file *storage.File) error { file.Settings = before; return nil }); err != nil {
				t.Fatal(err)
			}
			got, err := f.desk.SetSettings(tc.c)
			if err != nil {
				t.Fatalf("set settings: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("returned %+v; want %+v", got, tc.want)
			}
			file, err := f.store.Load()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(file.Settings, tc.want) {
				t.Errorf("file holds %+v; want %+v", file.Settings, tc.want)
			}
		})
	}
}

// A setting out of its range is a *SettingError, and no setting is saved,
// not even the valid ones beside it.
func TestSetSettingsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       SettingsChange
		setting string
	}{
		{"clear clipboard", SettingsChange{ClearClipboardSeconds: new(-2), Notifications: new(false)}, "ClearClipboardSeconds"},
		{"margin", SettingsChange{RefreshMarginSeconds: new(-1), ClearClipboardSeconds: new(5)}, "RefreshMarginSeconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.desk.SetSettings(tc.c)
			var se *SettingError
			if !errors.As(err, &se) || se.Setting != tc.setting {
				t.Fatalf("got %v; want a *SettingError for %s", err, tc.setting)
			}
			file, err := f.store.Load()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(file.Settings, storage.Settings{}) {
				t.Errorf("file holds %+v; want nothing saved", file.Settings)
			}
		})
	}
}

// failingStore is a profiles file that cannot be written.
type failingStore struct{ Profiles }

var errDiskFull = errors.New("disk full")

func (failingStore) Update(func(*storage.File) error) error { return errDiskFull }

func TestSetSettingsWriteFails(t *testing.T) {
	f := newFixture(t)
	d := New(failingStore{f.store}, f.keys, nil)
	if _, err := d.SetSettings(SettingsChange{Notifications: new(false)}); !errors.Is(err, errDiskFull) {
		t.Errorf("got %v; want the store's error", err)
	}
}
