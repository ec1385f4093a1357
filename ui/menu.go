package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
)

// shortcutSignIn is Sign in ("log in"), like the other actions on the
// selected profile a Ctrl+letter.
var shortcutSignIn = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}

// syncMenu turns the Profile menu's items on or off for the selected
// profile as it is now: none selected turns them all off; Copy public JWKS
// needs a key, Sign in a grant a person signs in to, Sign out a sign-in.
// The pane calls it whenever it shows a profile anew (detail.show).
func (u *UI) syncMenu() {
	p := u.current()
	var st session.Status
	if p != nil && p.GrantType().SignsIn() {
		st = u.session(*p).Status(u.opts.Now())
	}
	changed := false
	for _, it := range u.profileMenu {
		off := p == nil
		if p != nil {
			switch it {
			case u.jwksItem:
				off = !p.Style().UsesKey()
			case u.signInItem:
				off = !p.GrantType().SignsIn() || u.signin != nil && u.signin.id == p.ID
			case u.signOutItem:
				off = !u.signOutOffered(*p, st)
			}
		}
		if it.Disabled != off {
			it.Disabled, changed = off, true
		}
	}
	if changed && u.attached {
		u.mainMenu.Refresh()
	}
}

// signOutOffered says whether Sign out is offered for p in state st, in
// the pane and the menu: while a person is signed in, and neither a
// request nor a new sign-in for p is under way (one that ended after the
// sign-out would file its tokens again).
func (u *UI) signOutOffered(p model.Profile, st session.Status) bool {
	signingIn := u.signin != nil && u.signin.id == p.ID
	return p.GrantType().SignsIn() && st.SignedIn && st.State != session.StateFetching && !signingIn
}
