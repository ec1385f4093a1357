package ui

import (
	"fmt"
	"image/color"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/session"
)

// press sends key to whatever has the keyboard, as the driver does.
func (h *harness) press(key fyne.KeyName) {
	h.t.Helper()
	f := h.win.Canvas().Focused()
	if f == nil {
		h.t.Fatalf("%s pressed with nothing focused", key)
	}
	f.TypedKey(&fyne.KeyEvent{Name: key})
}

// actionsOn lists the pane's buttons and the Profile menu's items that
// are enabled.
func (h *harness) actionsOn() []string {
	var on []string
	d := h.u.detail
	for _, b := range []*tipButton{d.fetchBtn, d.copyBtn, d.copyMenuBtn, d.testBtn, d.inspectBtn, d.moreBtn} {
		if !b.Disabled() {
			on = append(on, "button "+b.Text)
		}
	}
	for _, it := range h.u.profileMenu {
		if !it.Disabled {
			on = append(on, "menu "+it.Label)
		}
	}
	return on
}

// Filtering shows the pane of a profile the list shows: the first match
// when the selection is filtered away, none when nothing matches, and then
// no action and no shortcut reaches the profile that was selected.
func TestFilterAwaySelectionTurnsActionsOff(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t,
		prof("1", "medplum-prod", "prod", srv.URL+"/token"),
		prof("2", "reports-staging", "staging", srv.URL+"/token"),
	)
	h.selectName("medplum-prod")
	typed := h.win.Canvas().(fyne.Shortcutable)

	h.win.Canvas().Focus(h.u.filterEntry)
	test.Type(h.u.filterEntry, "reports")
	if p := h.u.current(); p == nil || p.Name != "reports-staging" || h.u.detail.title.Text != "reports-staging" {
		t.Fatalf("after filtering prod away: current %v, pane %q; want reports-staging", p, h.u.detail.title.Text)
	}
	typed.TypedShortcut(shortcutCopyCurl)
	h.until("the curl", func() bool { return h.app.Clipboard().Content() != "" })
	if got := h.app.Clipboard().Content(); !strings.Contains(got, "tok-") {
		t.Fatalf("Ctrl+Shift+U copied %q", got)
	}
	if got, want := h.u.status.Text, "Copied curl command of reports-staging (staging) — clears in 45 s"; got != want {
		t.Errorf("status %q; want %q", got, want)
	}

	h.u.filterEntry.SetText("nothing-like-it")
	if h.u.current() != nil || h.u.detail.none.Text != "No profile matches “nothing-like-it”.\nEscape clears the filter." || !h.u.detail.none.Visible() {
		t.Errorf("with no match: current %v, pane says %q", h.u.current(), h.u.detail.none.Text)
	}
	if on := h.actionsOn(); len(on) != 0 {
		t.Errorf("with no match these actions are on: %v", on)
	}
	h.app.Clipboard().SetContent("before")
	before := requests.Load()
	for _, s := range []fyne.Shortcut{shortcutFetch, shortcutCopyToken, shortcutCopyHeader, shortcutCopyCurl, shortcutInspect, shortcutEdit} {
		typed.TypedShortcut(s)
	}
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyF5})
	h.drain()
	if got := h.app.Clipboard().Content(); got != "before" || requests.Load() != before || h.u.form != nil || h.win.Canvas().Overlays().Top() != nil {
		t.Errorf("shortcuts with no match: clipboard %q, %d requests, form %v, dialog %v",
			got, requests.Load()-before, h.u.form != nil, h.win.Canvas().Overlays().Top() != nil)
	}

	// Escape clears the filter and returns to the person's choice.
	h.win.Canvas().Focus(h.u.filterEntry)
	h.press(fyne.KeyEscape)
	if p := h.u.current(); p == nil || p.Name != "medplum-prod" || h.u.list.Length() != 2 {
		t.Errorf("after Escape: current %v, %d rows", p, h.u.list.Length())
	}
	if len(h.actionsOn()) == 0 {
		t.Error("after Escape the actions stay off")
	}
}

// The whole path on keys alone: Ctrl+F, type, ↓ into the list, Enter
// gets a token, Ctrl+Shift+U copies the curl of the profile shown.
func TestKeyboardOnlyFilterGetCopy(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t,
		prof("1", "medplum-prod", "prod", srv.URL+"/token"),
		prof("2", "reports-staging", "staging", srv.URL+"/token"),
		prof("3", "reports-prod", "prod", srv.URL+"/token"),
	)
	c := h.win.Canvas()
	typed := c.(fyne.Shortcutable)
	typed.TypedShortcut(shortcutFind)
	if c.Focused() != h.u.filterEntry {
		t.Fatalf("Ctrl+F focused %T", c.Focused())
	}
	for _, r := range "reports" {
		c.Focused().TypedRune(r) // as the driver types into what has the keyboard
	}
	h.press(fyne.KeyDown)
	if c.Focused() != h.u.list {
		t.Fatalf("↓ in the filter focused %T; want the list", c.Focused())
	}
	h.press(fyne.KeyDown)
	if p := h.u.current(); p == nil || p.Name != "reports-staging" {
		t.Fatalf("↓ in the list selected %v; want reports-staging", p)
	}
	h.press(fyne.KeyReturn)
	h.until("the token", func() bool { return strings.HasPrefix(h.u.detail.state.Text, "valid") })
	typed.TypedShortcut(shortcutCopyCurl)
	h.until("the curl", func() bool { return strings.HasPrefix(h.app.Clipboard().Content(), "curl") })
	if got, want := h.app.Clipboard().Content(), "curl -H 'Authorization: Bearer tok-1' https://api.example.com/fhir/R4/Patient"; got != want {
		t.Errorf("copied %q; want %q", got, want)
	}
	if !strings.Contains(h.u.status.Text, "reports-staging (staging)") {
		t.Errorf("status %q does not name the profile and its environment", h.u.status.Text)
	}

	// Escape in the filter clears it and goes back to the list.
	typed.TypedShortcut(shortcutFind)
	h.press(fyne.KeyEscape)
	if c.Focused() != h.u.list || h.u.filterEntry.Text != "" || h.u.list.Length() != 3 {
		t.Errorf("Escape in the filter: focus %T, filter %q, %d rows", c.Focused(), h.u.filterEntry.Text, h.u.list.Length())
	}

	// Tab reaches the list from the filter.
	typed.TypedShortcut(shortcutFind)
	for range 3 {
		if c.Focused() == h.u.list {
			break
		}
		c.FocusNext()
	}
	if c.Focused() != h.u.list {
		t.Errorf("Tab from the filter never reached the list")
	}

	// After a dialog the list has the keyboard again.
	h.u.onShortcutSheet()
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.Overlays().Top() != nil {
		t.Fatal("Escape did not close the shortcut sheet")
	}
	typed.TypedShortcut(shortcutFind) // a dialog opened from the filter…
	h.u.onAbout()
	tapButton(t, c, "OK") // …gives the keyboard to the list when it closes
	if c.Focused() != h.u.list {
		t.Errorf("after the shortcut sheet focus is on %T; want the list", c.Focused())
	}
}

// Every state colour and the badges read at 4.5:1 (WCAG AA) on the
// window's background, in light and dark, on a selected row or not.
func TestStateColoursContrast(t *testing.T) {
	th := readableTheme{theme.DefaultTheme()}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		bg := th.Color(theme.ColorNameBackground, v)
		backgrounds := map[string]color.Color{
			"background":   bg,
			"selected row": over(th.Color(theme.ColorNameSelection, v), bg),
			"hovered row":  over(th.Color(theme.ColorNameHover, v), bg),
		}
		for _, imp := range []widget.Importance{widget.MediumImportance, widget.SuccessImportance, widget.WarningImportance, widget.DangerImportance} {
			fg := th.Color(importanceColor(imp), v)
			for where, b := range backgrounds {
				if r := contrast(fg, b); r < 4.5 {
					t.Errorf("variant %d: %s text on the %s is %.2f:1; want 4.5:1", v, importanceColor(imp), where, r)
				}
			}
		}
	}
	// Every state's word uses one of the colours measured above.
	for _, st := range []session.Status{{State: session.StateNone}, {State: session.StateNone, Loading: true}, {State: session.StateFailed},
		{State: session.StateExpired}, {State: session.StateExpiring}, {State: session.StateValid}} {
		if _, imp := stateText(st); imp == widget.LowImportance {
			t.Errorf("%v is drawn in the low-importance grey", st.State)
		}
	}
	envs := []string{"prod", "staging", "local", "dev", "", "qa-eu", "sandbox"}
	for _, c := range palette {
		envs = append(envs, c.Hex)
	}
	for _, e := range envs {
		fill := parseHex(defaultEnvColor(e))
		if len(e) == 7 && e[0] == '#' {
			fill = parseHex(e)
		}
		if r := contrast(badgeText(fill), fill); r < 4.5 {
			t.Errorf("badge %q: text at %.2f:1; want 4.5:1", e, r)
		}
	}
}

// importanceColor is the theme colour a label of imp is drawn in.
func importanceColor(imp widget.Importance) fyne.ThemeColorName {
	switch imp {
	case widget.SuccessImportance:
		return theme.ColorNameSuccess
	case widget.WarningImportance:
		return theme.ColorNameWarning
	case widget.DangerImportance:
		return theme.ColorNameError
	case widget.LowImportance:
		return theme.ColorNameDisabled
	}
	return theme.ColorNameForeground
}

func TestFitSize(t *testing.T) {
	tests := []struct {
		size, screen, want fyne.Size
	}{
		{fyne.NewSize(1080, 700), fyne.NewSize(1280, 800), fyne.NewSize(1080, 700)},
		{fyne.NewSize(1080, 700), fyne.NewSize(800, 500), fyne.NewSize(720, 450)}, // 1280×800 at 1.6×
		{fyne.NewSize(1080, 700), fyne.Size{}, fyne.NewSize(1080, 700)},
	}
	for _, tt := range tests {
		if got := FitSize(tt.size, tt.screen); got != tt.want {
			t.Errorf("FitSize(%v, %v) = %v; want %v", tt.size, tt.screen, got, tt.want)
		}
	}
}

// A copy that fails says nothing was copied; a profile without a request
// path copies a command to its probe path.
func TestCopiesSayWhatTheyDid(t *testing.T) {
	var requests atomic.Int32
	ok := okServer(t, &requests)
	refused := tokenServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	good := prof("1", "good", "prod", ok.URL+"/token")
	good.RequestPath, good.ProbePath = "", "auth/me"
	h := newHarness(t, good, prof("2", "refused", "staging", refused.URL+"/token"))
	h.selectName("good")
	h.u.onCopy(copyCurl)
	h.until("the curl", func() bool { return h.app.Clipboard().Content() != "" })
	if got, want := h.app.Clipboard().Content(), "curl -H 'Authorization: Bearer tok-1' https://api.example.com/auth/me"; got != want {
		t.Errorf("curl without a request path %q; want %q", got, want)
	}
	h.selectName("refused")
	h.u.onCopy(copyToken)
	h.until("the failure", func() bool { return strings.HasPrefix(h.u.status.Text, "refused") })
	if !strings.HasSuffix(h.u.status.Text, "— nothing copied") || !strings.HasPrefix(h.u.status.Text, "refused (staging): ") {
		t.Errorf("failed copy says %q; want the profile, its environment and \"nothing copied\"", h.u.status.Text)
	}
}

// The row of the profile on the clipboard is marked while it is there,
// and the status line counts the clearing down.
func TestClipboardMarkAndCountdown(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("1", "alpha", "", srv.URL+"/token"), prof("2", "beta", "", srv.URL+"/token"))
	h.selectName("beta")
	test.Tap(h.u.detail.copyBtn)
	h.until("the copy", func() bool { return h.app.Clipboard().Content() != "" })
	marked := func() string {
		var names []string
		for _, r := range h.u.rows {
			if r.clip.Visible() && r.profile.ID != "" {
				names = append(names, r.profile.Name)
			}
		}
		return fmt.Sprint(names)
	}
	if got := marked(); got != "[beta]" {
		t.Errorf("marked rows %s; want [beta]", got)
	}
	h.now = h.now.Add(10 * time.Second)
	h.u.Tick()
	if got, want := h.u.status.Text, "Copied bearer token of beta — clears in 35 s"; got != want {
		t.Errorf("after 10 s the status says %q; want %q", got, want)
	}
	h.timers[len(h.timers)-1]()
	h.drain()
	if got := marked(); got != "[]" || h.u.status.Text != "Clipboard cleared" {
		t.Errorf("after the clear: marked %s, status %q", got, h.u.status.Text)
	}
}

// The sort choice and a profile's last error outlive the window.
func TestSortAndLastErrorSurviveRestart(t *testing.T) {
	refused := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Invalid secret"}`)
	})
	h := newHarness(t, prof("1", "a-prod", "prod", refused.URL+"/token"), prof("2", "b-local", "local", refused.URL+"/token"))
	h.u.sortSel.SetSelected(sortByEnv)
	h.selectName("a-prod")
	test.Tap(h.u.detail.fetchBtn)
	h.until("the error, remembered", func() bool { return h.u.detail.errLabel.Visible() && h.u.lastError("1") != "" })

	m := session.NewManager(h.keys, auth.NewClient())
	u2 := New(h.app, h.app.NewWindow("again"), Options{Store: h.store, Secrets: h.keys, Sessions: m, Now: h.clock, Do: func(f func()) { f() }})
	u2.Reload()
	if !u2.sortByEnv || u2.sortSel.Selected != sortByEnv || u2.shown[0].Name != "b-local" {
		t.Errorf("after a restart: sort by env %v (%q), first row %s", u2.sortByEnv, u2.sortSel.Selected, u2.shown[0].Name)
	}
	if p := u2.current(); p == nil || p.Name != "a-prod" {
		t.Fatalf("after a restart %v is selected; want a-prod", p)
	}
	if got := u2.detail.errLabel.Text; !u2.detail.errLabel.Visible() || !strings.Contains(got, "Invalid secret") {
		t.Errorf("after a restart the error label says %q (visible %v)", got, u2.detail.errLabel.Visible())
	}
}

// The first run offers the presets, and the Medplum CLI's profiles when
// it has some.
func TestFirstRunOffersPresetsAndMedplum(t *testing.T) {
	h := newHarness(t)
	if markup := test.RenderToMarkup(h.win.Canvas()); !strings.Contains(markup, "Add Medplum cloud profile") || strings.Contains(markup, "Medplum CLI") {
		t.Errorf("first run without ~/.medplum:\n%s", markup)
	}
	if err := os.WriteFile(filepath.Join(h.u.opts.MedplumDir, "dev.json"), []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.u.Reload()
	if markup := test.RenderToMarkup(h.win.Canvas()); !strings.Contains(markup, "Import 1 profile(s) from the Medplum CLI") {
		t.Errorf("first run with a Medplum CLI profile offers no import:\n%s", markup)
	}
	tapButton(t, h.win.Canvas(), "Add Medplum local (port 8103) profile")
	if h.u.form == nil || h.u.form.tokenURL.Text != "http://localhost:8103/oauth2/token" {
		t.Errorf("the preset button opened no form filled for Medplum local")
	}
}

// At 800×600 the list is wide enough for whole names: local and prod
// Medplum must not both read "medplum-…".
func TestNamesGetTheirRoom(t *testing.T) {
	h := newHarness(t,
		prof("1", "medplum-local", "local", "https://a.example/token"),
		prof("2", "medplum-prod", "prod", "https://a.example/token"),
		prof("3", "billing-integration-sandbox", "sandbox-eu-west", "https://a.example/token"),
	)
	size := fyne.NewSize(800, 600)
	h.u.Layout(size)
	h.win.Resize(size)
	seen := 0
	for _, r := range h.u.rows {
		if r.profile.ID == "" {
			continue
		}
		seen++
		need := fyne.MeasureText(r.profile.Name, theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
		if got := r.name.Size().Width; got < need {
			t.Errorf("%s: name column %.0f wide; want %.0f", r.profile.Name, got, need)
		}
	}
	if seen != 3 {
		t.Fatalf("%d rows drawn; want 3", seen)
	}
}

// A button says what it does, and its keys, in the status bar while the
// pointer is on it, and gives the status back after.
func TestButtonTips(t *testing.T) {
	h := newHarness(t, prof("1", "alpha", "", "https://a.example/token"))
	h.u.say("before")
	h.u.detail.fetchBtn.MouseIn(&desktop.MouseEvent{})
	if !h.u.tip.Visible() || h.u.status.Visible() || !strings.Contains(h.u.tip.Text, "Ctrl+R") {
		t.Errorf("hovering Get token: tip %q (visible %v), status visible %v", h.u.tip.Text, h.u.tip.Visible(), h.u.status.Visible())
	}
	h.u.detail.fetchBtn.MouseOut()
	if h.u.tip.Visible() || !h.u.status.Visible() || h.u.status.Text != "before" {
		t.Errorf("after: tip visible %v, status %q (visible %v)", h.u.tip.Visible(), h.u.status.Text, h.u.status.Visible())
	}
}
