package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/fsnotify/fsnotify"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// settle is how long the watcher gathers events before it acts: one save
// is several events (a temporary file, a rename), and a script's many
// commands are best read once.
const settle = 150 * time.Millisecond

// diskChange is what other processes changed since the window last looked.
type diskChange struct {
	profiles bool            // the profiles file
	tokens   map[string]bool // profiles whose cached token was cached or forgotten
	all      bool            // events were lost: read every token again
}

// watch keeps the window in step with what other processes (the command
// line, another window, an editor, a git pull) change in dir, the config
// directory, and in the team files (each one's directory, for a git pull
// replaces a file by a rename), until ctx ends: a changed profiles file or
// team file is read again, keeping
// the selection and any open form, and a token cached or forgotten
// elsewhere (storage.MarkTokens) is read again from the keychain. The
// keychain itself is never polled.
func (u *UI) watch(ctx context.Context, dir string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch the config directory: %w", err)
	}
	marks := filepath.Join(dir, storage.MarksDir)
	// Made now, so that it is watched before the first token is cached.
	if err := os.MkdirAll(marks, 0o700); err != nil {
		w.Close()
		return fmt.Errorf("watch the config directory: %w", err)
	}
	for _, d := range []string{dir, marks} {
		if err := w.Add(d); err != nil {
			w.Close()
			return fmt.Errorf("watch %s: %w", d, err)
		}
	}
	u.teamWatch = newTeamWatch(w)
	u.followTeam()
	go u.watchLoop(ctx, w, filepath.Join(dir, storage.FileName), marks, u.teamWatch)
	return nil
}

func (u *UI) watchLoop(ctx context.Context, w *fsnotify.Watcher, profiles, marks string, team *teamWatch) {
	defer w.Close()
	pending := diskChange{tokens: map[string]bool{}}
	var flush <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if pending.note(ev, profiles, marks, team) && flush == nil {
				flush = time.After(settle)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			fyne.LogError("watch the config directory", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				pending.profiles, pending.all = true, true
				if flush == nil {
					flush = time.After(settle)
				}
			}
		case <-flush:
			flush = nil
			c := pending
			pending = diskChange{tokens: map[string]bool{}}
			u.opts.Do(func() { u.applyDiskChange(c) })
		}
	}
}

// note records what ev says changed, and whether it matters.
func (c *diskChange) note(ev fsnotify.Event, profiles, marks string, team *teamWatch) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Clean(ev.Name)
	if name == filepath.Clean(profiles) || team.matches(name) {
		c.profiles = true
		return true
	}
	if filepath.Dir(name) == filepath.Clean(marks) {
		if id, ok := storage.MarkedProfile(filepath.Base(name)); ok {
			c.tokens[id] = true
			return true
		}
	}
	return false
}

// applyDiskChange reloads what c names; on the UI thread. Cached tokens
// are read off it, a few at a time, and redraw through OnSessionChange.
func (u *UI) applyDiskChange(c diskChange) {
	if c.profiles {
		u.reloadFromDisk()
	}
	if u.file == nil {
		return
	}
	var sessions []*session.Session
	for _, p := range u.file.Profiles {
		if c.all || c.tokens[p.ID] {
			sessions = append(sessions, u.session(p))
		}
	}
	if len(sessions) == 0 {
		return
	}
	go func() {
		sem := make(chan struct{}, 4)
		for _, s := range sessions {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				s.Reload()
			}()
		}
	}()
}

// reloadFromDisk reads the profiles file another process changed: the
// selection stays, the details follow the selected profile, sessions of
// removed profiles end, and an open form whose profile changed says so.
func (u *UI) reloadFromDisk() {
	before := u.current()
	var had []string
	if u.file != nil {
		for _, p := range u.file.Profiles {
			had = append(had, p.ID)
		}
	}
	u.Reload()
	if u.loadErr != nil {
		return
	}
	for _, id := range had {
		if _, err := u.file.ByID(id); err != nil {
			u.opts.Sessions.Drop(id)
		}
	}
	if after := u.current(); !reflect.DeepEqual(before, after) {
		u.detail.show(after)
	} else {
		u.detail.trust.show(after) // the team files may have changed around it
	}
	u.noticeFormChange()
}

// noticeFormChange warns in the open edit form when its profile was
// changed or deleted on disk since the form opened.
func (u *UI) noticeFormChange() {
	f := u.form
	if f == nil || f.orig == nil || f.save.Disabled() {
		return // adding, or saving now: the change may be the form's own
	}
	now, err := u.file.ByID(f.orig.ID)
	switch {
	case err != nil:
		f.warn("This profile was deleted since you opened the form (by the command line or another window).")
	case !reflect.DeepEqual(now, *f.orig):
		f.warn("This profile changed on disk since you opened the form (the command line or another window saved it): check the fields before you save.")
	}
}

// warn shows msg above the form's buttons.
func (f *profileForm) warn(msg string) {
	f.problem.Importance = widget.WarningImportance
	f.problem.SetText(msg)
	f.problem.Show()
}
