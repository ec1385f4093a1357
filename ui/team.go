package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/fsnotify/fsnotify"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// trustBar is the pane's notice on a team profile whose team file the
// person has not allowed as it is now, with the way to review and allow
// it; and, on a person's own profile that hides a team profile of the
// same name, a note that it does.
type trustBar struct {
	u     *UI
	box   *fyne.Container
	label *widget.Label
	btn   *widget.Button
	file  string // the team file shown
}

func newTrustBar(u *UI) *trustBar {
	b := &trustBar{u: u}
	b.label = widget.NewLabel("")
	b.label.Wrapping = fyne.TextWrapWord
	b.label.Importance = widget.WarningImportance
	b.btn = &widget.Button{Text: "Review and allow…", Importance: widget.WarningImportance, OnTapped: func() { u.reviewTeam(b.file) }}
	b.box = container.NewVBox(b.label, container.NewHBox(b.btn))
	b.box.Hide()
	return b
}

// show shows the notice for p's team file, or hides it.
func (b *trustBar) show(p *model.Profile) {
	hides := ""
	if p != nil && p.Team == "" && b.u.file != nil {
		hides = b.u.file.Team.Hides[p.Name]
	}
	switch {
	case hides != "":
		b.label.Importance = widget.MediumImportance
		b.label.SetText(fmt.Sprintf("This profile of yours hides the team profile of the same name in %s: Token Desk uses yours.", hides))
		b.btn.Hide()
	case p == nil || p.Team == "" || p.TeamTrust == model.TrustAllowed:
		b.box.Hide()
		return
	default:
		b.file = p.Team
		b.label.Importance = widget.WarningImportance
		b.label.SetText(trustNotice(b.u.teamFile(p.Team)))
		b.btn.Show()
	}
	b.box.Show()
}

// trustNotice says why a team file's profiles read no secret and get no
// token.
func trustNotice(tf storage.TeamFile) string {
	if tf.Trust == model.TrustChanged {
		what := ""
		if len(tf.Changed) > 0 {
			what = " (the token URL or references of " + strings.Join(tf.Changed, ", ") + ")"
		}
		return fmt.Sprintf("Team file %s changed since you allowed it%s: its profiles read no secret and get no token until you allow it again.", tf.Path, what)
	}
	return fmt.Sprintf("Team file %s is not allowed yet: its profiles read no secret and get no token until you allow it, having checked where they send what.", tf.Path)
}

// teamFile is the team file at path as last loaded.
func (u *UI) teamFile(path string) storage.TeamFile {
	if u.file != nil {
		for _, tf := range u.file.Team.Files {
			if tf.Path == path {
				return tf
			}
		}
	}
	return storage.TeamFile{Path: path}
}

// teamReview is what allowing tf trusts, for a person to read first: each
// profile's token URL and secret references.
func teamReview(tf storage.TeamFile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Allowing %s lets its profiles read your secrets through these references and send them to these token URLs:\n", tf.Path)
	for _, p := range tf.Profiles {
		fmt.Fprintf(&b, "\n%s\n    token URL  %s\n", p.Name, p.TokenURL)
		refs := storage.TeamRefs(p)
		if len(refs) == 0 {
			refs = []string{"no secret reference"}
		}
		for _, r := range refs {
			fmt.Fprintf(&b, "    %s\n", r)
		}
	}
	if len(tf.Changed) > 0 {
		fmt.Fprintf(&b, "\nChanged since you allowed it: %s.\n", strings.Join(tf.Changed, ", "))
	}
	b.WriteString("\nIf the file changes (a git pull), you will be asked again.")
	return b.String()
}

// reviewTeam shows what allowing the team file at path trusts, and allows
// it, as shown, on Allow.
func (u *UI) reviewTeam(path string) {
	tf := u.teamFile(path)
	if tf.Err != nil {
		u.showError("Allow "+filepath.Base(path), tf.Err)
		return
	}
	text := widget.NewLabel(teamReview(tf))
	text.Wrapping = fyne.TextWrapBreak
	text.Selectable = true
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(560, 280))
	d := dialog.NewCustomConfirm("Allow team file "+filepath.Base(path)+"?", "Allow", "Cancel", scroll, func(ok bool) {
		if ok {
			u.allowTeam(tf)
		}
	}, u.win)
	u.showDialog(d)
}

// allowTeam allows tf as it was shown, off the UI thread, then reloads.
func (u *UI) allowTeam(tf storage.TeamFile) {
	go func() {
		err := u.desk.AllowTeam(tf)
		u.opts.Do(func() {
			if err != nil {
				u.showError("Allow "+filepath.Base(tf.Path), err)
				return
			}
			u.Reload()
			u.detail.show(u.current())
			u.say("Allowed %s as it is now: its profiles may read their secrets and get tokens.", tf.Path)
		})
	}()
}

// teamWatch is what the watch on the config directory adds for team
// files: each one's directory (a git pull replaces a file by a rename, so
// the file itself cannot be watched), and which names in them count.
type teamWatch struct {
	w     *fsnotify.Watcher
	mu    sync.Mutex
	dirs  map[string]bool // directories watched
	files map[string]bool // team files
	lists map[string]bool // directories of team files: any *.json in them
}

func newTeamWatch(w *fsnotify.Watcher) *teamWatch {
	return &teamWatch{w: w, dirs: map[string]bool{}, files: map[string]bool{}, lists: map[string]bool{}}
}

// follow watches the team files and directories paths names
// (storage.Team.Watch); on the UI thread, after each load.
func (tw *teamWatch) follow(paths []string) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	for _, p := range paths {
		p = filepath.Clean(p)
		dir := filepath.Dir(p)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			tw.lists[p] = true
			dir = p
		} else {
			tw.files[p] = true
		}
		if tw.dirs[dir] {
			continue
		}
		if err := tw.w.Add(dir); err != nil {
			fyne.LogError("watch the team file directory "+dir, err)
			continue
		}
		tw.dirs[dir] = true
	}
}

// matches says whether a change to name is a team file's.
func (tw *teamWatch) matches(name string) bool {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.files[name] || (tw.lists[filepath.Dir(name)] && strings.HasSuffix(name, ".json"))
}

// followTeam has the watch, if there is one, follow the team files of the
// file last loaded.
func (u *UI) followTeam() {
	if u.teamWatch != nil && u.file != nil {
		u.teamWatch.follow(u.file.Team.Watch)
	}
}
