// Package ui is Token Desk's window: the profile list with live countdowns,
// the selected profile's details and actions, the add/edit form, and the
// system tray menu. It reaches storage and auth only through the small
// interfaces below; network and keychain work runs off the UI thread.
package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/internal/browser"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
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
	// Secret and Key are a profile's client secret and private key
	// wherever they live: its secret reference or the keychain.
	Secret(ctx context.Context, p model.Profile) (string, error)
	Key(ctx context.Context, p model.Profile) (string, error)
	DeleteToken(id string) error
	Forget(id string) error
	// SaveHeaderValues files a profile's secret header values after an edit.
	SaveHeaderValues(p model.Profile) (tokenChanged bool, err error)
	// Resolve fills a profile's secret header values in, for a command.
	Resolve(p model.Profile) (model.Profile, error)
}

// TokenSessions owns the token state of each profile (session.Manager).
type TokenSessions interface {
	Session(p model.Profile) *session.Session
	Drop(id string)
	SetMargin(d time.Duration)
	// Introspect asks the server about a token (RFC 7662) as p's client.
	Introspect(ctx context.Context, p model.Profile, t *model.Token) (*auth.Introspection, error)
	// Probe calls p's API with a token, with p's client certificate where
	// it has one.
	Probe(ctx context.Context, p model.Profile, t *model.Token, path string) (auth.ProbeResult, error)
	// SignIn and SignOut are core.Sessions' (a person's sign-in).
	SignIn(ctx context.Context, p model.Profile, o auth.SignInOptions) (model.User, error)
	SignOut(ctx context.Context, p model.Profile) (session.SignedOut, error)
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
	Probe func(p model.Profile, t *model.Token) (auth.ProbeResult, error)
	// Serve starts a local token proxy; nil means proxy.Server when
	// Secrets is a *storage.Keychain and Sessions an *session.Manager.
	Serve ServeFunc
	// OpenURL opens a sign-in page in the system browser; nil means
	// internal/browser.Open (which honours $BROWSER).
	OpenURL func(url string) error
	// WatchDir is the config directory, watched from Start on for what
	// other processes change there (watch.go); empty means not watched.
	WatchDir string
}

// UI is the main window and its state.
type UI struct {
	// said counts what the status line has said (say): a message that
	// may still be there compares its count, not the line's words.
	said int
	app  fyne.App
	win  fyne.Window // nil until Attach
	opts Options
	desk *core.Desk // every change of profiles and secrets goes through it

	file      *storage.File // the profiles as last loaded
	loadErr   error         // why the profiles file could not be read
	shown     []model.Profile
	selected  string // ID of the selected profile, always one of shown
	chosen    string // ID of the profile the person last selected
	autoSel   bool   // the window, not the person, is selecting
	filter    string
	sortByEnv bool

	filterEntry *filterEntry
	sortSel     *widget.Select
	list        *profileList
	badgeCol    *badgeColumn // the list's badge column, as wide as its widest badge
	mainMenu    *fyne.MainMenu
	attached    bool             // Attach has put the widgets in the window
	profileMenu []*fyne.MenuItem // the items that act on the selected profile
	jwksItem    *fyne.MenuItem   // only for a profile with a key
	signInItem  *fyne.MenuItem   // only for a grant a person signs in to
	signOutItem *fyne.MenuItem   // only while signed in
	detail      *detail
	status      *widget.Label
	tip         *widget.Label // the tip of the button under the pointer
	split       *container.Split
	body        *fyne.Container // the split, the empty state or the problem
	root        fyne.CanvasObject

	tray desktop.App // the system tray, if the driver has one
	rows []*rowView  // every row widget the list made, for the ticker
	// preloading: the first frame is drawn, so Reload reads cached tokens
	preloading bool
	form       *profileForm // the open add/edit form, if any
	undo       undoBar      // Undo of the last deletion
	inspected  *widget.Form // the last introspection shown, for tests
	// afterFirstTick runs once at the first tick: start-up work the first
	// frame need not wait for (the tray).
	afterFirstTick func()
	copied         map[string]*model.Token // tokens a person copied, for the expiry notice
	warned         map[*model.Token]bool
	clip           *clipState          // what the window last put on the clipboard
	lastCopy       map[string]copyKind // per profile, the copy the Copy button repeats
	serve          *serving            // the local token proxies (Serve locally)
	signin         *signing            // the sign-in under way, if any (signin.go)
	teamWatch      *teamWatch          // the team files the watch follows, if watching
	settings       *settingsForm       // the open Settings dialog, if any
}

// New builds the window's UI in w. Call Start to load the profiles and run
// the countdown ticker.
func New(a fyne.App, w fyne.Window, opts Options) *UI {
	u := Build(a, opts)
	u.Attach(w)
	return u
}

// Build makes the window's widgets before there is a window, so that it
// can run on another goroutine while the main one starts GLFW and loads
// the GL driver (see the root main.go); Start and Layout may follow there
// too, and Attach then puts the widgets in the window, on the main
// goroutine. Nothing else may run Fyne code meanwhile.
func Build(a fyne.App, opts Options) *UI {
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
			opts.Probe = func(p model.Profile, t *model.Token) (auth.ProbeResult, error) {
				return sessions.Probe(context.Background(), p, t, "")
			}
		}
	}
	if opts.OpenURL == nil {
		opts.OpenURL = browser.Open
	}
	if opts.AfterFunc == nil {
		opts.AfterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	// Before any widget is made, so that each is drawn in these colours
	// from the first frame.
	useReadableTheme(a)
	u := &UI{app: a, opts: opts, copied: map[string]*model.Token{}, warned: map[*model.Token]bool{}, lastCopy: map[string]copyKind{}}
	u.desk = core.New(opts.Store, opts.Secrets, opts.Sessions)
	u.desk.Now = opts.Now
	u.serve = newServing(u)
	u.build()
	return u
}

// Attach shows the widgets in w, with the menu and shortcuts.
func (u *UI) Attach(w fyne.Window) {
	u.win = w
	if u.file == nil { // not loaded yet: the pane shows no profile until Reload
		u.detail.show(nil)
	}
	u.win.SetContent(u.root)
	u.win.SetMainMenu(u.mainMenu)
	u.addShortcuts()
	// Closing the window quits the app (without a tray); a quit that skips
	// it (the tray's Quit, a signal) ends the process, sockets and all.
	u.win.SetOnClosed(u.StopServing)
	u.attached = true
}

// Layout lays the widgets out at size before they are attached: text is
// measured and the list's rows made, off the main goroutine when Build is.
// It may run before Start as well as after: the split then fits the
// profiles loaded, at a size that may be the same.
func (u *UI) Layout(size fyne.Size) {
	u.fitSplit(size.Width)
	u.root.Resize(size)
}

// fitSplit gives the list the width its longest name needs beside the
// badges and the state, between a third and half of the window: names
// that differ only at the end (medplum-local, medplum-prod) must show
// whole.
func (u *UI) fitSplit(width float32) {
	if u.file == nil || width <= 0 {
		return
	}
	var name float32
	for _, p := range u.file.Profiles {
		name = max(name, fyne.MeasureText(p.Name, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	state := fyne.MeasureText("valid 1 h 00 min", theme.TextSize(), fyne.TextStyle{}).Width
	pad := theme.Padding()
	need := u.badgeCol.width + name + state + 4*theme.InnerPadding() + 6*pad
	u.split.SetOffset(float64(min(max(need/width, 0.34), 0.5)))
}

// The sort choices, as the sort box names them.
const (
	sortByName = "Sort by name"
	sortByEnv  = "Group by environment"
)

func (u *UI) build() {
	prefs := u.app.Preferences()
	u.chosen = prefs.String("lastSelected")
	u.sortByEnv = prefs.Bool("sortByEnv")
	u.badgeCol = &badgeColumn{}
	u.filterEntry = newFilterEntry(u.onFilterKey)
	u.filterEntry.PlaceHolder = "Filter: name, env, client ID (Ctrl+F)"
	u.filterEntry.OnChanged = u.onFilter
	u.sortSel = widget.NewSelect([]string{sortByName, sortByEnv}, nil)
	if u.sortByEnv {
		u.sortSel.SetSelected(sortByEnv)
	} else {
		u.sortSel.SetSelected(sortByName)
	}
	u.sortSel.OnChanged = func(s string) {
		u.sortByEnv = s == sortByEnv
		u.app.Preferences().SetBool("sortByEnv", u.sortByEnv)
		u.applyFilter()
	}
	u.list = newProfileList(func() int { return len(u.shown) }, u.newRow, u.updateRow, u.onKey)
	u.list.OnSelected = func(id widget.ListItemID) {
		if id < 0 || id >= len(u.shown) {
			return
		}
		pid := u.shown[id].ID
		if !u.autoSel {
			u.chosen = pid
			// A row chosen with the mouse takes the keys from whatever had
			// them (Serve locally, say): ↑ ↓ and Delete act on the list.
			if u.win != nil {
				if f := u.win.Canvas().Focused(); f != nil && f != fyne.Focusable(u.list) && f != fyne.Focusable(u.filterEntry) {
					u.focusList()
				}
			}
		}
		if pid != u.selected {
			u.selectProfile(pid)
		}
	}
	addBtn := &widget.Button{Text: "Add profile", Icon: theme.ContentAddIcon(), OnTapped: u.openAdd}
	addBtn.ExtendBaseWidget(addBtn)
	// The objects in Tab order: filter, sort, list, Add profile.
	top := container.NewVBox(u.filterEntry, u.sortSel)
	left := container.New(layout.NewBorderLayout(top, addBtn, nil, nil), top, u.list, addBtn)
	u.detail = newDetail(u)
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.tip = widget.NewLabel("")
	u.tip.Truncation = fyne.TextTruncateEllipsis
	u.tip.Hide()
	u.split = container.NewHSplit(left, u.detail.content)
	u.split.Offset = 0.36
	u.body = container.NewStack(u.split)
	// A button's tip takes the status bar's place while the pointer is on
	// it, and gives it back after.
	u.root = container.NewBorder(nil, container.NewStack(u.statusBar(), u.tip), nil, nil, u.body)
	u.mainMenu = u.menu()
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
	u.followTeam()
	u.sayTeam(f)
	u.opts.Sessions.SetMargin(time.Duration(f.Settings.RefreshMarginSeconds) * time.Second)
	u.applyFilter()
	u.showBody()
	u.refreshTray()
	u.serve.sync()
	if u.preloading {
		u.Preload() // new or recovered profiles: read their cached tokens too
	}
}

// shownAll is every profile in list order, ignoring the filter.
func (u *UI) shownAll() []model.Profile {
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

// emptyState is the first-run screen: the presets, and the Medplum CLI's
// profiles when it has some.
func (u *UI) emptyState() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Token Desk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text := widget.NewLabelWithStyle("Keep your OAuth2 client profiles here — secrets stay in the keychain.\nOne click fetches a client-credentials token; another copies it, as a header or as curl.",
		fyne.TextAlignCenter, fyne.TextStyle{})
	var buttons []fyne.CanvasObject
	if n := u.medplumProfiles(); n > 0 {
		imp := &widget.Button{Text: fmt.Sprintf("Import %d profile(s) from the Medplum CLI", n), Importance: widget.HighImportance, OnTapped: u.onImportMedplum}
		imp.ExtendBaseWidget(imp)
		buttons = append(buttons, imp)
	}
	for _, p := range presets {
		if p.signIn {
			continue
		}
		label := "Add " + p.name + " profile"
		if p.tokenURL == "" {
			label = "Add another OAuth2 server…"
		}
		b := &widget.Button{Text: label, OnTapped: func() { u.openAddPreset(p.name) }}
		b.ExtendBaseWidget(b)
		buttons = append(buttons, b)
	}
	if len(buttons) > 0 {
		if b := buttons[0].(*widget.Button); b.Importance == widget.MediumImportance {
			b.Importance = widget.HighImportance
		}
	}
	return container.NewCenter(container.NewVBox(title, text, container.NewCenter(container.NewVBox(buttons...))))
}

// medplumProfiles counts the Medplum CLI's profile files.
func (u *UI) medplumProfiles() int {
	dir := u.opts.MedplumDir
	if dir == "" {
		var err error
		if dir, err = importer.MedplumDir(); err != nil {
			return 0
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return len(files)
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
	u.showDialog(dialog.NewConfirm("Recover profiles", msg+"\n\nThe broken file is kept under a new name.", func(ok bool) {
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
	}, u.win))
}

func (u *UI) onFilter(s string) {
	u.filter = s
	u.applyFilter()
}

// onFilterKey moves from the filter to the list: Down and Enter keep the
// filter, Escape clears it.
func (u *UI) onFilterKey(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyDown, fyne.KeyReturn, fyne.KeyEnter:
	case fyne.KeyEscape:
		u.filterEntry.SetText("")
	default:
		return false
	}
	u.focusList()
	return true
}

// focusList gives the list the keyboard, unless a dialog is open.
func (u *UI) focusList() {
	c := u.win.Canvas()
	if c.Overlays().Top() != nil || u.body == nil || len(u.body.Objects) == 0 || u.body.Objects[0] != u.split {
		return
	}
	c.Focus(u.list)
}

// applyFilter recomputes the shown profiles. The selection stays if the
// filter shows it; otherwise the person's last choice or the first match
// is selected, and with no match nothing is: every action then is off, so
// none can reach a profile the list does not show.
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
	u.badgeCol.width = 0
	for _, p := range u.shown {
		u.badgeCol.width = max(u.badgeCol.width, badgeWidth(p.Env))
	}
	u.list.Refresh()
	idx := u.shownIndex(u.selected)
	if idx < 0 {
		idx = u.shownIndex(u.chosen)
	}
	if idx < 0 && len(u.shown) > 0 {
		idx = 0
	}
	if idx < 0 {
		u.list.UnselectAll()
		u.selectProfile("")
		return
	}
	if id := u.shown[idx].ID; id != u.selected {
		u.selectProfile(id)
	}
	u.autoSel = true
	u.list.Select(idx)
	u.autoSel = false
}

// shownIndex is the list row of profile id, or -1.
func (u *UI) shownIndex(id string) int {
	if id == "" {
		return -1
	}
	return slices.IndexFunc(u.shown, func(p model.Profile) bool { return p.ID == id })
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

// selectProfile shows a profile's details, and turns the actions on or off.
func (u *UI) selectProfile(id string) {
	u.selected = id
	if id != "" && u.app.Preferences().String("lastSelected") != id {
		u.app.Preferences().SetString("lastSelected", id)
	}
	u.detail.show(u.current()) // and the menu (syncMenu)
}

// current returns the selected profile if the list shows it: every action
// works on this one, so none reaches a profile filtered away.
func (u *UI) current() *model.Profile {
	if u.selected == "" || u.file == nil {
		return nil
	}
	if i := u.shownIndex(u.selected); i >= 0 {
		p := u.shown[i]
		return &p
	}
	return nil
}

// session returns the token session of p.
func (u *UI) session(p model.Profile) *session.Session { return u.opts.Sessions.Session(p) }

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
	u.tickClipboard(now)
	u.warnCopiedExpiring(now)
	if f := u.afterFirstTick; f != nil {
		u.afterFirstTick = nil
		f()
	}
}

// AfterFirstTick runs f on the UI thread at the first tick of the
// countdown ticker, a second after start.
func (u *UI) AfterFirstTick(f func()) { u.afterFirstTick = f }

// OnSessionChange is the callback for session.Manager.OnChange: a session
// started or ended a request.
func (u *UI) OnSessionChange(id string) {
	u.opts.Do(func() {
		u.list.Refresh()
		u.keepLastError(id)
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
		if idx := slices.IndexFunc(u.shown, func(p model.Profile) bool { return p.ID == id }); idx >= 0 {
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
	sessions := make([]*session.Session, len(u.file.Profiles))
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
	u.said++
	u.status.SetText(fmt.Sprintf(format, args...))
}

// showError reports a failure in a dialog and the log; err never holds a
// secret (the core redacts).
func (u *UI) showError(what string, err error) {
	fyne.LogError(what, err)
	u.showDialog(dialog.NewError(fmt.Errorf("%s: %w", what, err), u.win))
}

// showDialog shows d and gives the keyboard back to the list when it closes.
func (u *UI) showDialog(d dialog.Dialog) {
	d.SetOnClosed(u.focusList)
	d.Show()
}

func (u *UI) menu() *fyne.MainMenu {
	file := fyne.NewMenu("File",
		&fyne.MenuItem{Label: "Add profile…", Action: u.openAdd, Shortcut: shortcutNew},
		&fyne.MenuItem{Label: "Import from Medplum CLI…", Action: u.onImportMedplum},
		&fyne.MenuItem{Label: "Import profiles…", Action: u.onImportProfiles},
		&fyne.MenuItem{Label: "Export profiles (no secrets)…", Action: u.onExportProfiles},
		&fyne.MenuItem{Label: "Settings…", Action: u.onSettings},
	)
	u.jwksItem = &fyne.MenuItem{Label: "Copy public JWKS", Action: u.onCopyJWKS}
	u.signInItem = &fyne.MenuItem{Label: "Sign in…", Action: u.onSignIn, Shortcut: shortcutSignIn}
	u.signOutItem = &fyne.MenuItem{Label: "Sign out", Action: u.onSignOut}
	u.profileMenu = []*fyne.MenuItem{
		{Label: "Get token", Action: u.onFetch, Shortcut: shortcutFetch},
		u.signInItem, u.signOutItem,
	}
	for _, k := range copyKinds {
		if k == copyCurlSecret {
			continue // the pane's Copy menu offers it, for Basic profiles only
		}
		u.profileMenu = append(u.profileMenu, &fyne.MenuItem{Label: "Copy " + k.menuLabel(), Action: func() { u.onCopy(k) }, Shortcut: k.shortcut()})
	}
	u.profileMenu = append(u.profileMenu,
		u.jwksItem,
		&fyne.MenuItem{Label: "Test call", Action: u.onTest},
		&fyne.MenuItem{Label: "Inspect token (introspection)", Action: u.onInspect, Shortcut: shortcutInspect},
		&fyne.MenuItem{Label: "Export for Postman…", Action: u.onExportPostman},
		&fyne.MenuItem{Label: "Edit…", Action: u.openEdit, Shortcut: shortcutEdit},
		&fyne.MenuItem{Label: "Duplicate to another environment…", Action: u.openDuplicate, Shortcut: shortcutDuplicate},
		&fyne.MenuItem{Label: "Delete (Undo for 10 s)", Action: u.onDelete},
	)
	items := slices.Clone(u.profileMenu)
	items = slices.Insert(items, len(items)-3, fyne.NewMenuItemSeparator())
	u.syncMenu()
	// Not a menu shortcut: those win over a focused entry's own Ctrl+Z.
	items = append(items, &fyne.MenuItem{Label: "Undo delete (Ctrl+Z)", Action: u.onUndo})
	profile := fyne.NewMenu("Profile", items...)
	help := fyne.NewMenu("Help",
		&fyne.MenuItem{Label: "Keyboard shortcuts", Action: u.onShortcutSheet},
		&fyne.MenuItem{Label: "About Token Desk", Action: u.onAbout})
	return fyne.NewMainMenu(file, profile, help)
}

func (u *UI) onAbout() {
	v := u.opts.Version
	if v == "" {
		v = "dev"
	}
	u.showDialog(dialog.NewInformation("About Token Desk",
		"Token Desk "+v+"\nOAuth2 client-credentials tokens, with secrets in the keychain.\nProfiles: "+u.opts.Store.Path(), u.win))
}
