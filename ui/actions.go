package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// copyKind is what a copy button puts on the clipboard.
type copyKind int

const (
	copyToken copyKind = iota
	copyHeader
	copyCurl
	copyRequest
	copyHTTPie
	copyCurlPowerShell
	// copyCurlSecret is curl with the client ID and secret themselves, for
	// a profile whose API calls use Basic auth.
	copyCurlSecret
	// copyProxyURL is the local token proxy's URL, key included: the
	// pane's Serve locally section copies it.
	copyProxyURL
)

func (k copyKind) String() string {
	return [...]string{"bearer token", "Authorization header", "curl command", "token request (curl, with $CLIENT_SECRET)", "HTTPie command", "curl command for PowerShell",
		"curl command with the client secret", "local proxy URL"}[k]
}

// copyKinds are the copies in the order the menus offer them.
var copyKinds = []copyKind{copyToken, copyHeader, copyCurl, copyHTTPie, copyCurlPowerShell, copyCurlSecret, copyRequest}

// menuLabel is the copy's name after "Copy " in a menu or on the button.
func (k copyKind) menuLabel() string {
	return [...]string{"token", "header", "curl", "token request (curl)", "HTTPie", "curl for PowerShell",
		"curl with the client secret itself (Basic)", "local proxy URL"}[k]
}

// shortcut is the copy's keyboard shortcut, if it has one.
func (k copyKind) shortcut() fyne.Shortcut {
	switch k {
	case copyToken:
		return shortcutCopyToken
	case copyHeader:
		return shortcutCopyHeader
	case copyCurl:
		return shortcutCopyCurl
	}
	return nil
}

// named is a profile as the status line names it: with its environment,
// so that a copy says which one it came from.
func named(p model.Profile) string {
	if p.Env == "" {
		return p.Name
	}
	return p.Name + " (" + p.Env + ")"
}

// DefaultClearAfter is how long copied tokens stay on the clipboard.
const DefaultClearAfter = 45 * time.Second

func (u *UI) clearAfter() time.Duration {
	if u.file == nil || u.file.Settings.ClearClipboardSeconds == 0 {
		return DefaultClearAfter
	}
	return time.Duration(u.file.Settings.ClearClipboardSeconds) * time.Second
}

// onFetch asks the server for a new token for the selected profile, or
// starts its sign-in when a person must sign in first. A second tap while
// a request is under way joins it rather than sending another.
func (u *UI) onFetch() {
	p := u.current()
	if p == nil {
		return
	}
	if needsSignIn(*p, u.session(*p).Status(u.opts.Now())) {
		u.onSignIn() // the primary action, as the pane shows it
		return
	}
	u.fetch(*p, true, nil)
}

// fetch gets a token off the UI thread and then runs then on it.
func (u *UI) fetch(p model.Profile, force bool, then func(*model.Token)) {
	u.fetchThen(p, force, then, "")
}

// fetchThen is fetch whose failure message ends with failNote (what did
// not happen because of it).
func (u *UI) fetchThen(p model.Profile, force bool, then func(*model.Token), failNote string) {
	s := u.session(p)
	go func() {
		tok, err := s.Token(context.Background(), force)
		u.opts.Do(func() {
			u.list.Refresh()
			if p.ID == u.selected {
				u.detail.show(u.current())
			}
			if err != nil {
				fyne.LogError("fetch token for "+strconv.Quote(p.Name), err)
				u.say("%s: %s%s", named(p), errorText(err), failNote)
				return
			}
			if then != nil {
				then(tok)
			} else {
				u.say("%s: new token, %s", named(p), format.Status(s.Status(u.opts.Now())))
			}
		})
	}()
	u.list.Refresh()
	u.detail.show(u.current())
}

func (u *UI) onCancel() {
	if p := u.current(); p != nil {
		u.session(*p).Cancel()
	}
}

// onCopy copies the selected profile's token in one of the copy formats,
// fetching a token first when none is usable. The pane's Copy button then
// repeats this copy for this profile.
func (u *UI) onCopy(kind copyKind) {
	p := u.current()
	if p == nil {
		return
	}
	if kind != copyCurlSecret { // the secret itself is never what a plain Copy repeats
		u.lastCopy[p.ID] = kind
		u.detail.showCopy(p.ID)
	}
	u.copyFor(*p, kind)
}

// nothingCopied ends the message of a copy that failed: the clipboard
// still holds what it held, which may be another profile's token.
const nothingCopied = " — nothing copied"

func (u *UI) copyFor(p model.Profile, kind copyKind) {
	if kind == copyRequest {
		u.toClipboard(p, kind, format.TokenRequestCurl(p), nil)
		return
	}
	commandKind := kind == copyCurl || kind == copyHTTPie || kind == copyCurlPowerShell || kind == copyCurlSecret
	if commandKind {
		if _, err := auth.RequestURL(p, ""); err != nil {
			u.say("Copy %s of %s: %v — set a base URL and request path with Edit%s", kind, named(p), err, nothingCopied)
			return
		}
	}
	if commandKind && p.BasicAPI() {
		u.copyBasic(p, kind)
		return
	}
	copyWith := func(p model.Profile) {
		u.fetchThen(p, false, func(t *model.Token) {
			var text string
			switch kind {
			case copyToken:
				text = t.AccessToken
			case copyHeader:
				text = format.Header(t)
			case copyCurl, copyHTTPie, copyCurlPowerShell:
				render := format.Curl
				switch kind {
				case copyHTTPie:
					render = format.HTTPie
				case copyCurlPowerShell:
					render = format.CurlPowerShell
				}
				var err error
				if text, err = render(p, format.Credential{Token: t}, ""); err != nil {
					u.say("Copy %s of %s: %v%s", kind, named(p), err, nothingCopied)
					return
				}
			}
			u.toClipboard(p, kind, text, t)
		}, nothingCopied)
	}
	if !commandKind || !p.HasSecretHeaders() {
		copyWith(p)
		return
	}
	// The commands carry secret header values: read them from the keychain
	// off the UI thread (a locked keychain may take its time).
	go func() {
		rp, err := u.opts.Secrets.Resolve(p)
		u.opts.Do(func() {
			if err != nil {
				u.say("Copy %s of %s: %v%s", kind, named(p), err, nothingCopied)
				return
			}
			copyWith(rp)
		})
	}()
}

// copyBasic copies a command of a profile whose API calls use Basic auth:
// no token, and the client ID and secret left to the shell unless the
// copy is copyCurlSecret. A copy that holds a secret (that one, or secret
// header values) is cleared like a token.
func (u *UI) copyBasic(p model.Profile, kind copyKind) {
	render := format.Curl
	switch kind {
	case copyHTTPie:
		render = format.HTTPie
	case copyCurlPowerShell:
		render = format.CurlPowerShell
	}
	go func() { // the keychain may take its time
		var c format.Credential
		rp, err := u.opts.Secrets.Resolve(p)
		if err == nil && kind == copyCurlSecret {
			c.Secret, err = u.opts.Secrets.Secret(context.Background(), p)
		}
		text := ""
		if err == nil {
			text, err = render(rp, c, "")
		}
		u.opts.Do(func() {
			if err != nil {
				u.say("Copy %s of %s: %s%s", kind, named(p), errorText(err), nothingCopied)
				return
			}
			u.copyText(p, kind, text, nil, c.Secret != "" || p.HasSecretHeaders())
		})
	}()
}

// clipState is what the window last put on the clipboard: the row of its
// profile carries a mark, and the status line counts down to its clearing.
type clipState struct {
	id    string // the profile
	what  string // "curl command of medplum-prod (prod)"
	until time.Time
	// counting: the status line still shows this copy's countdown.
	counting bool
	left     int // the seconds the status line shows
	said     int // UI.said when the countdown was said
}

// toClipboard copies text and schedules clearing it, if it still holds
// what we put there.
func (u *UI) toClipboard(p model.Profile, kind copyKind, text string, t *model.Token) {
	u.copyText(p, kind, text, t, t != nil)
}

// copyText is toClipboard that clears what it copied if secret: the text
// holds a token or another secret.
func (u *UI) copyText(p model.Profile, kind copyKind, text string, t *model.Token, secret bool) {
	cb := u.app.Clipboard()
	cb.SetContent(text)
	if t != nil {
		u.copied[p.ID] = t
	}
	what := fmt.Sprintf("%s of %s", kind, named(p))
	after := u.clearAfter()
	if after < 0 || !secret {
		// Nothing secret (the token request), or never cleared: no countdown.
		u.setClip(nil)
		if secret {
			u.setClip(&clipState{id: p.ID, what: what})
		}
		u.say("Copied %s", what)
		return
	}
	c := &clipState{id: p.ID, what: what, until: u.opts.Now().Add(after), counting: true, left: int(after / time.Second)}
	u.setClip(c)
	u.say("%s", c.message())
	c.said = u.said
	u.opts.AfterFunc(after, func() {
		u.opts.Do(func() {
			if u.clip == c {
				u.setClip(nil)
			}
			if cb.Content() == text {
				cb.SetContent("")
				u.say("Clipboard cleared")
			}
		})
	})
}

func (c *clipState) message() string {
	return fmt.Sprintf("Copied %s — clears in %d s", c.what, c.left)
}

// setClip records what is on the clipboard and moves the rows' mark.
func (u *UI) setClip(c *clipState) {
	u.clip = c
	for _, r := range u.rows {
		u.markRow(r)
	}
}

// markRow shows the clipboard mark on r if its profile's copy is there.
func (u *UI) markRow(r *rowView) {
	on := u.clip != nil && r.profile.ID != "" && r.profile.ID == u.clip.id
	if on != r.clip.Visible() {
		if on {
			r.clip.Show()
		} else {
			r.clip.Hide()
		}
	}
}

// tickClipboard counts the clearing down in the status line, while the
// status line still speaks of that copy: idle, it redraws nothing.
func (u *UI) tickClipboard(now time.Time) {
	c := u.clip
	if c == nil || !c.counting {
		return
	}
	if u.said != c.said {
		c.counting = false // something else was said since
		return
	}
	left := int((c.until.Sub(now) + time.Second - 1) / time.Second)
	if left < 1 {
		left = 1 // the clear itself says when it is done
	}
	if left != c.left {
		c.left = left
		u.status.SetText(c.message())
	}
}

// onDelete removes the selected profile at once; Undo in the status bar
// brings it back for undoTime, the keychain keeping its secret until then.
func (u *UI) onDelete() {
	if p := u.current(); p != nil {
		u.deleteProfile(*p)
	}
}

// undoTime is how long a deleted profile can be brought back.
const undoTime = 10 * time.Second

func (u *UI) deleteProfile(p model.Profile) {
	delete(u.copied, p.ID)
	go func() {
		del, err := u.desk.Remove(p.ID)
		u.opts.Do(func() {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				u.showError("delete "+strconv.Quote(p.Name), err)
				return
			}
			if u.selected == p.ID {
				u.selected = ""
			}
			u.Reload()
			u.detail.show(u.current())
			if err == nil {
				u.offerUndo(del)
			}
		})
	}()
}

// undoBar is the status bar's Undo: the last deletion, until it is undone
// or its time is up.
type undoBar struct {
	btn  *ringButton
	del  *core.Deleted
	said int // UI.said when the deletion was said
}

// statusBar is the status line with the Undo button beside it.
func (u *UI) statusBar() fyne.CanvasObject {
	u.undo.btn = newRingButton(nil, "Undo (Ctrl+Z)", widget.HighImportance, u.onUndo)
	u.undo.btn.Hide()
	return container.NewBorder(nil, nil, nil, u.undo.btn, u.status)
}

// offerUndo shows Undo for del until undoTime passes, then purges its
// keychain items; an earlier deletion still pending is purged now.
func (u *UI) offerUndo(del *core.Deleted) {
	u.purge(u.undo.del)
	u.undo.del = del
	u.undo.btn.Show()
	u.say("Deleted %s — Undo within %d s keeps its secret", del.Profile.Name, int(undoTime/time.Second))
	u.undo.said = u.said
	u.opts.AfterFunc(undoTime, func() {
		u.opts.Do(func() {
			if u.undo.del == del {
				u.purge(del)
			}
		})
	})
}

// purge ends del's time to undo and removes its keychain items off the UI
// thread.
func (u *UI) purge(del *core.Deleted) {
	if del == nil {
		return
	}
	saidNow, saidAt := u.undo.del == del && u.undo.said == u.said, u.said // the line still speaks of this deletion
	if u.undo.del == del {
		u.undo.del = nil
		u.undo.btn.Hide()
	}
	go func() {
		err := del.Purge()
		u.opts.Do(func() {
			var kc *core.KeychainError
			if errors.As(err, &kc) {
				u.showError("remove the keychain entries of "+strconv.Quote(del.Profile.Name), kc.Err)
			} else if err == nil && saidNow && u.said == saidAt {
				u.say("Deleted %s with its client secret and cached token", del.Profile.Name)
			}
		})
	}()
}

// onUndo brings the last deleted profile back, within its time.
func (u *UI) onUndo() {
	del := u.undo.del
	if del == nil {
		return
	}
	u.undo.del = nil
	u.undo.btn.Hide()
	go func() {
		err := del.Restore()
		u.opts.Do(func() {
			var taken *core.NameTakenError
			switch {
			case errors.As(err, &taken):
				u.say("Cannot restore %s: another profile now has its name", del.Profile.Name)
				u.purge(del)
				return
			case err != nil:
				u.showError("restore "+strconv.Quote(del.Profile.Name), err)
				return
			}
			u.selected = del.Profile.ID
			u.Reload()
			u.detail.show(u.current())
			u.say("Restored %s", del.Profile.Name)
		})
	}()
}

// Close ends what the window leaves pending: a deletion still within its
// time to undo loses its keychain items now. Call it when the app quits.
func (u *UI) Close() {
	if err := u.desk.Close(); err != nil {
		fyne.LogError("remove the keychain entries of deleted profiles", err)
	}
}

// Keyboard shortcuts.
var (
	shortcutNew        = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutFind       = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutFetch      = &desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutCopyToken  = &desktop.CustomShortcut{KeyName: fyne.KeyC, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutCopyHeader = &desktop.CustomShortcut{KeyName: fyne.KeyH, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutCopyCurl   = &desktop.CustomShortcut{KeyName: fyne.KeyU, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutEdit       = &desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutInspect    = &desktop.CustomShortcut{KeyName: fyne.KeyI, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutDuplicate  = &desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutUndo       = &fyne.ShortcutUndo{}
)

// shortcutAction is a shortcut the window answers, and what it does.
type shortcutAction struct {
	s  fyne.Shortcut
	do func()
}

// windowShortcuts are the shortcuts the window answers; the Keyboard
// shortcuts sheet (shortcutRows) names each.
func (u *UI) windowShortcuts() []shortcutAction {
	return []shortcutAction{
		{shortcutNew, u.openAdd},
		{shortcutFind, func() { u.win.Canvas().Focus(u.filterEntry) }},
		{shortcutFetch, u.onFetch},
		{shortcutCopyToken, func() { u.onCopy(copyToken) }},
		{shortcutCopyHeader, func() { u.onCopy(copyHeader) }},
		{shortcutCopyCurl, func() { u.onCopy(copyCurl) }},
		{shortcutEdit, u.openEdit},
		{shortcutInspect, u.onInspect},
		{shortcutDuplicate, u.onDuplicate},
		{shortcutSignIn, u.onSignIn},
		{shortcutUndo, u.onUndo},
	}
}

func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	for _, a := range u.windowShortcuts() {
		c.AddShortcut(a.s, func(fyne.Shortcut) { a.do() })
	}
	c.SetOnTypedKey(u.onKey)
}

// onKey handles keys typed while the list, or nothing, has the focus.
func (u *UI) onKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyF5, fyne.KeyReturn, fyne.KeyEnter:
		u.onFetch()
	case fyne.KeyDelete:
		u.onDelete()
	case fyne.KeyEscape:
		// Escape closes what is on top (the form, a dialog), as people
		// expect; a focused entry takes the key itself. With nothing on
		// top it clears the filter.
		if u.form != nil {
			u.form.close()
		} else if top := u.win.Canvas().Overlays().Top(); top != nil {
			top.Hide()
		} else if u.filter != "" {
			u.filterEntry.SetText("")
		}
		u.focusList()
	case fyne.KeyDown, fyne.KeyUp:
		if len(u.shown) == 0 {
			return
		}
		idx := -1
		for i, p := range u.shown {
			if p.ID == u.selected {
				idx = i
			}
		}
		if ev.Name == fyne.KeyDown {
			idx = min(idx+1, len(u.shown)-1)
		} else {
			idx = max(idx-1, 0)
		}
		u.list.Select(idx)
		u.list.ScrollTo(idx)
	}
}

// notifyRefreshFailure sends a notification when an auto-refresh failed.
func (u *UI) notifyRefreshFailure(id string) {
	if u.file == nil || u.file.Settings.NoNotifications {
		return
	}
	p, err := u.file.ByID(id)
	if err != nil || !p.AutoRefresh {
		return
	}
	st := u.session(p).Status(u.opts.Now())
	if st.State == session.StateFailed && st.Token != nil {
		u.app.SendNotification(fyne.NewNotification("Token Desk: refresh failed for "+p.Name, errorText(st.Err)))
	}
}

// warnCopiedExpiring notifies, once per token, a minute before a token a
// person copied expires.
func (u *UI) warnCopiedExpiring(now time.Time) {
	for id, t := range u.copied {
		if t.Expiry.IsZero() || u.warned[t] {
			continue
		}
		left := t.Expiry.Sub(now)
		if left > time.Minute {
			continue
		}
		u.warned[t] = true
		delete(u.copied, id)
		if u.file == nil || u.file.Settings.NoNotifications || left <= 0 {
			continue
		}
		name := id
		if p, err := u.file.ByID(id); err == nil {
			name = p.Name
		}
		u.app.SendNotification(fyne.NewNotification("Token Desk: token expiring",
			fmt.Sprintf("The token you copied for %s expires in %s.", name, format.Left(left))))
	}
}

// onTest calls the selected profile's probe path with its token (fetching
// one first if needed) and shows the answer.
func (u *UI) onTest() {
	p := u.current()
	if p == nil {
		return
	}
	probe := *p
	if probe.ProbePath == "" {
		probe.ProbePath = probe.RequestPath
	}
	if _, err := auth.RequestURL(probe, probe.ProbePath); err != nil || probe.ProbePath == "" {
		u.say("Test: set a base URL and a probe path (e.g. auth/me) with Edit")
		return
	}
	run := func(t *model.Token) {
		u.say("Testing %s…", probe.Name)
		go func() {
			r, err := u.opts.Probe(probe, t)
			u.opts.Do(func() {
				if err != nil {
					u.say("Test of %s: %v", probe.Name, err)
					u.detail.showTest(probe.ID, err.Error(), widget.DangerImportance)
					return
				}
				imp := widget.SuccessImportance
				if !r.OK() {
					imp = widget.DangerImportance
				}
				u.say("Test of %s: %s in %d ms", probe.Name, r.Status, r.Took.Milliseconds())
				u.detail.showTest(probe.ID, format.Probe(r), imp)
			})
		}()
	}
	if p.BasicAPI() {
		run(nil) // the client ID and secret, no token
		return
	}
	u.fetch(*p, false, run)
}

// onCopyJWKS copies the public key set of a private_key_jwt profile, to
// publish at the client's jwksUri. It is public: no clearing.
func (u *UI) onCopyJWKS() {
	p := u.current()
	if p == nil {
		return
	}
	q, name, cert := *p, p.Name, p.ClientCert
	go func() {
		key, err := u.opts.Secrets.Key(context.Background(), q)
		set := ""
		if err == nil {
			set, err = keys.JWKS(key, cert)
		}
		u.opts.Do(func() {
			if err != nil {
				u.say("Copy JWKS of %s: %v", name, err)
				return
			}
			u.app.Clipboard().SetContent(set)
			u.setClip(nil)
			u.say("Copied the public JWKS of %s — publish it at the client's jwksUri", name)
		})
	}()
}

// onInspect asks the introspection endpoint about the selected profile's
// token (fetching one first if needed) and shows the answer.
func (u *UI) onInspect() {
	p := u.current()
	if p == nil {
		return
	}
	prof := *p
	u.fetch(prof, false, func(t *model.Token) {
		u.say("Asking the server about the token of %s…", prof.Name)
		u.detail.inspectBtn.Disable()
		go func() {
			in, err := u.opts.Sessions.Introspect(context.Background(), prof, t)
			u.opts.Do(func() {
				u.detail.inspectBtn.Enable()
				if err != nil {
					u.say("Inspect %s: %s", named(prof), errorText(err))
					u.showDialog(dialog.NewError(fmt.Errorf("inspect the token of %s: %w", prof.Name, err), u.win))
					return
				}
				state := "active"
				if !in.Active {
					state = "NOT active"
				}
				u.say("Inspect %s: the server says the token is %s", prof.Name, state)
				u.showIntrospection(prof.Name, in)
			})
		}()
	})
}

// showIntrospection shows what the server said of a token.
func (u *UI) showIntrospection(name string, in *auth.Introspection) {
	verdict := widget.NewLabelWithStyle("The server says this token is active.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	verdict.Importance = widget.SuccessImportance
	if !in.Active {
		verdict.SetText("The server says this token is NOT active (expired, revoked or unknown).")
		verdict.Importance = widget.DangerImportance
	}
	form := widget.NewForm()
	rows := [][2]string{{"endpoint", in.Endpoint}}
	for _, f := range format.IntrospectionFields(in) {
		v := f.Value
		if f.Name == "exp" && !in.Exp.IsZero() {
			if left := in.Exp.Sub(u.opts.Now()); left > 0 {
				v += "  (" + format.Left(left) + " left)"
			} else {
				v += "  (expired)"
			}
		}
		rows = append(rows, [2]string{f.Name, v})
	}
	setForm(form, rows)
	d := dialog.NewCustom("Inspect "+name, "Close", container.NewBorder(verdict, nil, nil, nil, container.NewVScroll(form)), u.win)
	d.Resize(fyne.NewSize(560, 420))
	u.showDialog(d)
	u.inspected = form
}
