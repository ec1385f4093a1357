// Package ui is Token Desk's window: the profile list with live countdowns,
// the selected profile's details and actions, the add/edit form, and the
// system tray menu. It reaches storage and auth only through the small
// interfaces below; network and keychain work runs off the UI thread.
package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/storage"
)

// ProfileStore is where profiles are kept (storage.Store).
type ProfileStore interface {
	Load() (*storage.File, error)
	Update(func(*storage.File) error) error
	Path() string
	Salvage() (*storage.File, []string, error)
	Recover(f *storage.File, now time.Time) (string, error)
}

// Secrets is the keychain, as far as the window needs it (storage.Keychain).
type Secrets interface {
	SetClientSecret(id, secret string) error
	ClientSecret(id string) (string, error)
	SetPrivateKey(id, pem string) error
	PrivateKey(id string) (string, error)
	DeleteToken(id string) error
	Forget(id string) error
	// SaveHeaderValues files a profile's secret header values after an edit.
	SaveHeaderValues(p storage.Profile) (tokenChanged bool, err error)
	// Resolve fills a profile's secret header values in, for a command.
	Resolve(p storage.Profile) (storage.Profile, error)
}

// TokenSessions owns the token state of each profile (auth.Manager).
type TokenSessions interface {
	Session(p storage.Profile) *auth.Session
	Drop(id string)
	SetMargin(d time.Duration)
	// Introspect asks the server about a token (RFC 7662) as p's client.
	Introspect(ctx context.Context, p storage.Profile, t *auth.Token) (*auth.Introspection, error)
	// Probe calls p's API with a token, with p's client certificate where
	// it has one.
	Probe(ctx context.Context, p storage.Profile, t *auth.Token, path string) (auth.ProbeResult, error)
}

// Options are the window's collaborators and knobs; tests replace them.
type Options struct {
	Store    ProfileStore
	Secrets  Secrets
	Sessions TokenSessions
	// Now is the clock the countdowns read; nil means time.Now.
	Now func() time.Time
	// Do runs f on the UI thread; nil means fyne.Do.
	Do func(f func())
	// AfterFunc schedules f after d (the clipboard clear); nil means
	// time.AfterFunc.
	AfterFunc func(d time.Duration, f func())
	// Version is shown in the About dialog.
	Version string
	// MedplumDir is where the Medplum CLI keeps its profiles; empty means
	// ~/.medplum.
	MedplumDir string
	// Discover fetches server metadata (auth.Client.Discover); nil means
	// a new auth.Client's.
	Discover func(base string) (*auth.Metadata, error)
	// Probe calls the API with a token; nil means Sessions.Probe.
	Probe func(p storage.Profile, t *auth.Token) (auth.ProbeResult, error)
	// WatchDir is the config directory, watched from Start on for what
	// other processes change there (watch.go); empty means not watched.
	WatchDir string
}

// UI is the main window and its state.
type UI struct {
	app  fyne.App
	win  fyne.Window
	opts Options

	file      *storage.File // the profiles as last loaded
	loadErr   error         // why the profiles file could not be read
	shown     []storage.Profile
	selected  string // ID of the selected profile
	filter    string
	sortByEnv bool

	filterEntry *widget.Entry
	list        *profileList
	detail      *detail
	status      *widget.Label
	split       *container.Split
	body        *fyne.Container // the split, the empty state or the problem
	root        fyne.CanvasObject

	tray desktop.App // the system tray, if the driver has one
	rows []*rowView  // every row widget the list made, for the ticker
	// preloading: the first frame is drawn, so Reload reads cached tokens
	preloading bool
	form       *profileForm // the open add/edit form, if any
	inspected  *widget.Form // the last introspection shown, for tests
	// afterFirstTick runs once at the first tick: start-up work the first
	// frame need not wait for (the tray).
	afterFirstTick func()
	copied         map[string]*auth.Token // tokens a person copied, for the expiry notice
	warned         map[*auth.Token]bool
}

// New builds the window's UI in w. Call Start to load the profiles and run
// the countdown ticker.
func New(a fyne.App, w fyne.Window, opts Options) *UI {
	u := Build(a, w, opts)
	u.Attach()
	return u
}

// Build makes the window's widgets without touching w, so that it can run
// on another goroutine while the main one loads the GL driver (see the
// root main.go); Attach then puts them in w, on the main goroutine.
// Nothing else may run Fyne code meanwhile.
func Build(a fyne.App, w fyne.Window, opts Options) *UI {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Discover == nil || opts.Probe == nil {
		c := auth.NewClient()
		if opts.Discover == nil {
			opts.Discover = func(base string) (*auth.Metadata, error) { return c.Discover(context.Background(), base) }
		}
		if opts.Probe == nil {
			sessions := opts.Sessions
			opts.Probe = func(p storage.Profile, t *auth.Token) (auth.ProbeResult, error) {
				return sessions.Probe(context.Background(), p, t, "")
			}
		}
	}
	if opts.AfterFunc == nil {
		opts.AfterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	u := &UI{app: a, win: w, opts: opts, copied: map[string]*auth.Token{}, warned: map[*auth.Token]bool{}}
	u.build()
	return u
}

// Attach shows the widgets in the window, with the menu and shortcuts.
func (u *UI) Attach() {
	u.win.SetContent(u.root)
	u.win.SetMainMenu(u.menu())
	u.addShortcuts()
}

// Layout lays the widgets out at size before they are attached: text is
// measured and the list's rows made, off the main goroutine when Build is.
func (u *UI) Layout(size fyne.Size) {
	u.root.Resize(size)
}

func (u *UI) build() {
	u.filterEntry = &widget.Entry{PlaceHolder: "Filter by name, environment or client ID  (Ctrl+F)", OnChanged: u.onFilter}
	u.filterEntry.ExtendBaseWidget(u.filterEntry)
	sortSel := widget.NewSelect([]string{"Sort by name", "Group by environment"}, func(s string) {
		u.sortByEnv = s == "Group by environment"
		u.applyFilter()
	})
	sortSel.SetSelectedIndex(0)
	u.list = newProfileList(func() int { return len(u.shown) }, u.newRow, u.updateRow, u.onKey)
	u.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(u.shown) {
			u.selectProfile(u.shown[id].ID)
		}
	}
	addBtn := &widget.Button{Text: "Add profile", OnTapped: u.onAdd}
	addBtn.ExtendBaseWidget(addBtn)
	left := container.NewBorder(
		container.NewVBox(u.filterEntry, sortSel), addBtn, nil, nil, u.list)
	u.detail = newDetail(u)
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.split = container.NewHSplit(left, u.detail.content)
	u.split.Offset = 0.34
	u.body = container.NewStack(u.split)
	u.root = container.NewBorder(nil, u.status, nil, nil, u.body)
}

// Reload reads the profiles file again and redraws.
func (u *UI) Reload() {
	f, err := u.opts.Store.Load()
	u.loadErr = err
	if err != nil {
		var pe *storage.ParseError
		if errors.As(err, &pe) {
			fyne.LogError("load profiles", err)
		}
		f = &storage.File{Version: storage.FileVersion}
	}
	u.file = f
	u.opts.Sessions.SetMargin(time.Duration(f.Settings.RefreshMarginSeconds) * time.Second)
	u.applyFilter()
	u.showBody()
	u.refreshTray()
	if u.preloading {
		u.Preload() // new or recovered profiles: read their cached tokens too
	}
}

// shownAll is every profile in list order, ignoring the filter.
func (u *UI) shownAll() []storage.Profile {
	all := slices.Clone(u.file.Profiles)
	sort.SliceStable(all, func(i, j int) bool { return strings.ToLower(all[i].Name) < strings.ToLower(all[j].Name) })
	return all
}

// showBody switches between the list, the empty state and the problem.
func (u *UI) showBody() {
	switch {
	case u.loadErr != nil:
		u.body.Objects = []fyne.CanvasObject{u.problemState()}
	case len(u.file.Profiles) == 0:
		u.body.Objects = []fyne.CanvasObject{u.emptyState()}
	default:
		u.body.Objects = []fyne.CanvasObject{u.split}
	}
	u.body.Refresh()
}

// emptyState is the first-run screen.
func (u *UI) emptyState() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Token Desk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text := widget.NewLabelWithStyle("Keep your OAuth2 client profiles here — secrets stay in the keychain.\nOne click fetches a client-credentials token; another copies it, as a header or as curl.",
		fyne.TextAlignCenter, fyne.TextStyle{})
	add := &widget.Button{Text: "Add profile", Importance: widget.HighImportance, OnTapped: u.onAdd}
	add.ExtendBaseWidget(add)
	return container.NewCenter(container.NewVBox(title, text, container.NewCenter(add)))
}

// problemState says why the profiles file cannot be used, and keeps it.
func (u *UI) problemState() fyne.CanvasObject {
	msg := widget.NewLabel(u.loadErr.Error())
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	retry := &widget.Button{Text: "Try again", OnTapped: u.Reload}
	retry.ExtendBaseWidget(retry)
	salvage := &widget.Button{Text: "Continue with what can be read", Importance: widget.HighImportance, OnTapped: func() { u.recover(false) }}
	salvage.ExtendBaseWidget(salvage)
	fresh := &widget.Button{Text: "Start fresh", OnTapped: func() { u.recover(true) }}
	fresh.ExtendBaseWidget(fresh)
	note := widget.NewLabel("Token Desk has not changed it. Fix the file and try again, or go on: either way the broken file is kept beside the new one, and the keychain is not touched.")
	note.Wrapping = fyne.TextWrapWord
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(600, 300), container.NewVBox(
		widget.NewLabelWithStyle("The profiles file cannot be read", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		msg, note,
		container.NewHBox(salvage, fresh, retry))))
}

// recover sets a broken profiles file aside and goes on with what could be
// read of it, or with nothing; only ever on a person's request.
func (u *UI) recover(fresh bool) {
	f := &storage.File{Version: storage.FileVersion}
	var skipped []string
	if !fresh {
		var err error
		if f, skipped, err = u.opts.Store.Salvage(); err != nil {
			u.showError("read the profiles file", err)
			return
		}
	}
	msg := fmt.Sprintf("Go on with %d profile(s) read from the file?", len(f.Profiles))
	if fresh {
		msg = "Start with no profiles?"
	}
	if len(skipped) > 0 {
		msg += "\n\nLeft out:\n" + strings.Join(skipped, "\n")
	}
	dialog.ShowConfirm("Recover profiles", msg+"\n\nThe broken file is kept under a new name.", func(ok bool) {
		if !ok {
			return
		}
		aside, err := u.opts.Store.Recover(f, u.opts.Now())
		if err != nil {
			u.showError("recover the profiles file", err)
			return
		}
		u.Reload()
		u.say("Kept %d profile(s); the broken file is now %s", len(f.Profiles), aside)
	}, u.win)
}

func (u *UI) onFilter(s string) {
	u.filter = s
	u.applyFilter()
}

// applyFilter recomputes the shown profiles and keeps the selection.
func (u *UI) applyFilter() {
	if u.file == nil {
		return
	}
	u.shown = u.shown[:0]
	for _, p := range u.file.Profiles {
		if p.Matches(u.filter) {
			u.shown = append(u.shown, p)
		}
	}
	sort.SliceStable(u.shown, func(i, j int) bool {
		a, b := u.shown[i], u.shown[j]
		if u.sortByEnv && !strings.EqualFold(a.Env, b.Env) {
			return envRank(a.Env) < envRank(b.Env) || (envRank(a.Env) == envRank(b.Env) && strings.ToLower(a.Env) < strings.ToLower(b.Env))
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	u.list.Refresh()
	idx := slices.IndexFunc(u.shown, func(p storage.Profile) bool { return p.ID == u.selected })
	if idx >= 0 {
		u.list.Select(idx)
	} else {
		u.list.UnselectAll()
		if u.selected != "" && u.file != nil {
			if _, err := u.file.ByID(u.selected); err != nil {
				u.selectProfile("")
			}
		}
	}
}

func envRank(env string) int {
	switch strings.ToLower(env) {
	case "local", "dev", "development":
		return 0
	case "staging", "test", "qa":
		return 1
	case "prod", "production":
		return 2
	}
	return 3
}

// selectProfile shows a profile's details.
func (u *UI) selectProfile(id string) {
	u.selected = id
	if id != "" {
		u.app.Preferences().SetString("lastSelected", id)
	}
	u.detail.show(u.current())
}

// current returns the selected profile, if any.
func (u *UI) current() *storage.Profile {
	if u.selected == "" || u.file == nil {
		return nil
	}
	p, err := u.file.ByID(u.selected)
	if err != nil {
		return nil
	}
	return &p
}

// session returns the token session of p.
func (u *UI) session(p storage.Profile) *auth.Session { return u.opts.Sessions.Session(p) }

// Tick advances every countdown; one ticker drives it for the whole window.
// It also starts due auto-refreshes and warns before a copied token expires.
func (u *UI) Tick() {
	now := u.opts.Now()
	if u.file != nil {
		for _, p := range u.file.Profiles {
			if p.AutoRefresh {
				u.session(p).AutoRefresh(now)
			}
		}
	}
	// Only the rows' state labels change with time: update them in place
	// rather than refreshing (and re-laying out) the whole list.
	for _, r := range u.rows {
		u.tickRow(r, now)
	}
	u.detail.tick(now)
	u.warnCopiedExpiring(now)
	if f := u.afterFirstTick; f != nil {
		u.afterFirstTick = nil
		f()
	}
}

// AfterFirstTick runs f on the UI thread at the first tick of the
// countdown ticker, a second after start.
func (u *UI) AfterFirstTick(f func()) { u.afterFirstTick = f }

// OnSessionChange is the callback for auth.Manager.OnChange: a session
// started or ended a request.
func (u *UI) OnSessionChange(id string) {
	u.opts.Do(func() {
		u.list.Refresh()
		if id == u.selected {
			u.detail.show(u.current())
		}
		u.notifyRefreshFailure(id)
	})
}

// Start loads the profiles, restores the last selection and starts the one
// countdown ticker and the watch on the config directory, until ctx ends.
// Call Preload once the window shows.
func (u *UI) Start(ctx context.Context) {
	if u.opts.WatchDir != "" {
		// Before the first load, so that no change falls between the two.
		if err := u.watch(ctx, u.opts.WatchDir); err != nil {
			fyne.LogError("changes other processes make will not show until a restart", err)
		}
	}
	u.Reload()
	if id := u.app.Preferences().String("lastSelected"); id != "" {
		if idx := slices.IndexFunc(u.shown, func(p storage.Profile) bool { return p.ID == id }); idx >= 0 {
			u.list.Select(idx)
			u.list.ScrollTo(idx)
		}
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				u.opts.Do(u.Tick)
			}
		}
	}()
}

// Preload reads every profile's cached token from the keychain in the
// background, a few at a time, then redraws. Started after the first frame,
// it does not compete with it for the CPU (bench/RESULTS.md).
func (u *UI) Preload() {
	u.preloading = true
	if u.file == nil {
		return
	}
	sessions := make([]*auth.Session, len(u.file.Profiles))
	for i, p := range u.file.Profiles {
		sessions[i] = u.session(p)
	}
	go func() {
		sem := make(chan struct{}, 4)
		done := make(chan struct{})
		for _, s := range sessions {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; done <- struct{}{} }()
				s.Load()
			}()
		}
		for range sessions {
			<-done
		}
		u.opts.Do(func() {
			u.list.Refresh()
			u.detail.show(u.current())
		})
	}()
}

// say shows a short message in the status bar.
func (u *UI) say(format string, args ...any) {
	u.status.SetText(fmt.Sprintf(format, args...))
}

// showError reports a failure in a dialog and the log; err never holds a
// secret (the core redacts).
func (u *UI) showError(what string, err error) {
	fyne.LogError(what, err)
	dialog.ShowError(fmt.Errorf("%s: %w", what, err), u.win)
}

func (u *UI) menu() *fyne.MainMenu {
	file := fyne.NewMenu("File",
		&fyne.MenuItem{Label: "Add profile…", Action: u.onAdd, Shortcut: shortcutNew},
		&fyne.MenuItem{Label: "Import from Medplum CLI…", Action: u.onImportMedplum},
		&fyne.MenuItem{Label: "Import profiles…", Action: u.onImportProfiles},
		&fyne.MenuItem{Label: "Export profiles (no secrets)…", Action: u.onExportProfiles},
		&fyne.MenuItem{Label: "Settings…", Action: u.onSettings},
	)
	profile := fyne.NewMenu("Profile",
		&fyne.MenuItem{Label: "Get token", Action: u.onFetch, Shortcut: shortcutFetch},
		&fyne.MenuItem{Label: "Copy token", Action: func() { u.onCopy(copyToken) }, Shortcut: shortcutCopyToken},
		&fyne.MenuItem{Label: "Copy header", Action: func() { u.onCopy(copyHeader) }, Shortcut: shortcutCopyHeader},
		&fyne.MenuItem{Label: "Copy curl", Action: func() { u.onCopy(copyCurl) }, Shortcut: shortcutCopyCurl},
		&fyne.MenuItem{Label: "Copy HTTPie", Action: func() { u.onCopy(copyHTTPie) }},
		&fyne.MenuItem{Label: "Copy curl for PowerShell", Action: func() { u.onCopy(copyCurlPowerShell) }},
		&fyne.MenuItem{Label: "Test call", Action: u.onTest},
		&fyne.MenuItem{Label: "Inspect token (introspection)", Action: u.onInspect, Shortcut: shortcutInspect},
		&fyne.MenuItem{Label: "Export for Postman…", Action: u.onExportPostman},
		&fyne.MenuItem{Label: "Copy token request", Action: func() { u.onCopy(copyRequest) }},
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Edit…", Action: u.onEdit, Shortcut: shortcutEdit},
		&fyne.MenuItem{Label: "Delete…", Action: u.onDelete},
	)
	help := fyne.NewMenu("Help", &fyne.MenuItem{Label: "About Token Desk", Action: u.onAbout})
	return fyne.NewMainMenu(file, profile, help)
}

func (u *UI) onAbout() {
	v := u.opts.Version
	if v == "" {
		v = "dev"
	}
	dialog.ShowInformation("About Token Desk",
		"Token Desk "+v+"\nOAuth2 client-credentials tokens, with secrets in the keychain.\nProfiles: "+u.opts.Store.Path(), u.win)
}
