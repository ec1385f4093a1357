package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"github.com/tokendesk/tokendesk/model"
)

// TestProfileMenuSignInOff: the Profile menu's Sign in is on only for a
// grant a person signs in to, and Sign out only while signed in, as the
// pane's Sign out button shows.
func TestProfileMenuSignInOff(t *testing.T) {
	srv := newSignInServer(t)
	cc := prof("p1", "cc", "local", srv.URL+"/token")
	code := signInProf(srv, "p2", "code", model.GrantAuthorizationCode)
	device := signInProf(srv, "p3", "device", model.GrantDeviceCode)
	known := signInProf(srv, "p4", "known", model.GrantAuthorizationCode)
	h := newHarness(t, cc, code, device, known)
	if err := h.keys.SetSignIn(known.ID, model.SignIn{RefreshToken: "rt-1", Fingerprint: known.Fingerprint(), User: model.User{Name: "Bob"}}); err != nil {
		t.Fatal(err)
	}
	signIn := menuItem(t, h.win, "Profile", "Sign in…")
	signOut := menuItem(t, h.win, "Profile", "Sign out")
	for _, tc := range []struct {
		p                   model.Profile
		signInOn, signOutOn bool
	}{
		{cc, false, false},
		{code, true, false},
		{device, true, false},
		{known, true, true},
	} {
		h.selectName(tc.p.Name)
		h.loadSession(tc.p)
		if got := [2]bool{!signIn.Disabled, !signOut.Disabled}; got != [2]bool{tc.signInOn, tc.signOutOn} {
			t.Errorf("%s: Sign in, Sign out on %v; want %v", tc.p.Name, got, [2]bool{tc.signInOn, tc.signOutOn})
		}
		if on := h.u.detail.signOutBtn.Visible(); on != !signOut.Disabled {
			t.Errorf("%s: the pane's Sign out shown %v, the menu's on %v; want the same", tc.p.Name, on, !signOut.Disabled)
		}
	}
	h.u.filterEntry.SetText("no such profile")
	if !signIn.Disabled || !signOut.Disabled {
		t.Errorf("nothing shown: Sign in on %v, Sign out on %v; want both off", !signIn.Disabled, !signOut.Disabled)
	}
}

// TestProfileMenuSignInAndOut: the menu's Sign in (and its shortcut) starts
// the sign-in the pane's button starts, and is off while it runs; once
// signed in, the menu's Sign out signs out as the pane's does.
func TestProfileMenuSignInAndOut(t *testing.T) {
	srv := newSignInServer(t)
	p := signInProf(srv, "p1", "me", model.GrantAuthorizationCode)
	h := newHarness(t, p)
	opened := h.browser(false)
	h.selectName("me")
	h.loadSession(p)
	signIn := menuItem(t, h.win, "Profile", "Sign in…")
	signOut := menuItem(t, h.win, "Profile", "Sign out")
	d := h.u.detail

	// Ctrl+L, as the desktop driver routes it: to the menu item's action.
	keyboard{t, h.win}.press(fyne.KeyL, fyne.KeyModifierShortcutDefault)
	s := h.u.signin
	if s == nil || s.id != p.ID {
		t.Fatal("Ctrl+L started no sign-in")
	}
	h.until("the browser prompt", func() bool { return s.link.Visible() })
	if !signIn.Disabled || !d.signInBtn.Disabled() || d.signInBtn.Text != "Signing in…" {
		t.Errorf("signing in: menu Sign in on %v, pane button %q disabled %v; want off, Signing in… disabled",
			!signIn.Disabled, d.signInBtn.Text, d.signInBtn.Disabled())
	}
	if len(*opened) != 1 || !strings.HasPrefix((*opened)[0], srv.URL+"/authorize?") {
		t.Errorf("opened %q; want the authorization URL", *opened)
	}
	test.Tap(findButton(t, s.box, "Cancel sign-in"))
	h.until("the sign-in to end", func() bool { return h.u.signin == nil })
	if signIn.Disabled {
		t.Error("after a cancelled sign-in the menu's Sign in stays off")
	}

	h.browser(true) // now the browser comes back
	signIn.Action()
	h.until("the sign-in", func() bool { return h.u.signin == nil })
	h.drain()
	if got, want := h.u.status.Text, "Signed in to me as Alice Example"; got != want {
		t.Fatalf("status %q; want %q", got, want)
	}
	if signOut.Disabled || !d.signOutBtn.Visible() {
		t.Errorf("signed in: menu Sign out on %v, pane Sign out shown %v; want both", !signOut.Disabled, d.signOutBtn.Visible())
	}

	// Signing in again: Sign out waits, or the new sign-in would file its
	// tokens back after it.
	h.browser(false)
	signIn.Action()
	h.until("the second sign-in's prompt", func() bool { return h.u.signin != nil && h.u.signin.link.Visible() })
	if !signOut.Disabled || d.signOutBtn.Visible() {
		t.Errorf("signing in again: menu Sign out on %v, pane Sign out shown %v; want off, hidden", !signOut.Disabled, d.signOutBtn.Visible())
	}
	test.Tap(findButton(t, h.u.signin.box, "Cancel sign-in"))
	h.until("the second sign-in to end", func() bool { return h.u.signin == nil })
	h.drain()

	signOut.Action()
	h.until("the sign-out", func() bool { return strings.HasPrefix(h.u.status.Text, "Signed out of me") })
	if !signOut.Disabled || d.signOutBtn.Visible() || h.rowText("me") != "sign-in needed" {
		t.Errorf("signed out: menu Sign out on %v, pane Sign out shown %v, row %q; want off, hidden, sign-in needed",
			!signOut.Disabled, d.signOutBtn.Visible(), h.rowText("me"))
	}
	if signIn.Disabled {
		t.Error("signed out: the menu's Sign in is off; want on")
	}
}

// TestShortcutSheetListsEveryShortcut: the Keyboard shortcuts sheet names
// every shortcut the window answers.
func TestShortcutSheetListsEveryShortcut(t *testing.T) {
	var listed []string
	for _, r := range shortcutRows() {
		listed = append(listed, r[0])
	}
	all := strings.Join(listed, " | ")
	h := newHarness(t)
	for _, a := range h.u.windowShortcuts() {
		name := undoKeyName()
		if c, ok := a.s.(*desktop.CustomShortcut); ok {
			name = keyName(c)
		}
		if !strings.Contains(all, name) {
			t.Errorf("the sheet does not list %s", name)
		}
	}
}

// TestRowChosenTakesTheKeys: after Serve locally (or any control of the
// pane) had the focus, a row chosen in the list takes the keys, so ↑ ↓ and
// Delete act on the list, not on the control.
func TestRowChosenTakesTheKeys(t *testing.T) {
	h := newHarness(t, prof("1", "a", "", "https://a.example.com/token"), prof("2", "b", "", "https://b.example.com/token"))
	h.selectName("a")
	c := h.win.Canvas()
	c.Focus(h.u.serve.check)
	h.selectName("b")
	if got := c.Focused(); got != fyne.Focusable(h.u.list) {
		t.Errorf("focus after choosing a row: %T; want the list", got)
	}
}
