package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
)

// signing is a person's sign-in under way in the window, and its view in
// the pane: what to do in the browser, or the device code to enter. One
// runs at a time; it runs off the UI thread and Cancel ends it.
type signing struct {
	id, name string
	cancel   context.CancelFunc

	box    *fyne.Container // the view the pane shows for the profile
	msg    *widget.Label
	code   *canvas.Text // the device's user code, large
	link   *widget.Hyperlink
	copies *fyne.Container // Copy code, Copy link
	target string          // the page the link opens
}

// signInTimeout bounds how long the window waits for a person.
const signInTimeout = session.DefaultSignInTimeout

// onSignIn signs a person in for the selected profile: the browser opens
// at the server's sign-in page (or the pane shows a device code), and the
// pane waits, cancellable, while the window stays usable.
func (u *UI) onSignIn() {
	p := u.current()
	if p == nil || !p.GrantType().SignsIn() {
		return
	}
	if s := u.signin; s != nil {
		if s.id != p.ID {
			u.say("Finish or cancel the sign-in to %s first", s.name)
		}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := u.newSigning(*p, cancel)
	u.signin = s
	u.detail.show(u.current())
	o := auth.SignInOptions{Open: u.opts.OpenURL, Timeout: signInTimeout,
		Prompt: func(pr auth.Prompt) { u.opts.Do(func() { s.prompt(u, pr) }) }}
	go func() {
		user, err := u.desk.SignIn(ctx, *p, o)
		u.opts.Do(func() { u.signedIn(s, user, err) })
	}()
}

// newSigning makes the pane's view of a sign-in for p, waiting for the
// server at first.
func (u *UI) newSigning(p model.Profile, cancel context.CancelFunc) *signing {
	s := &signing{id: p.ID, name: p.Name, cancel: cancel}
	s.msg = widget.NewLabel("Starting the sign-in to " + p.Name + "…")
	s.msg.Wrapping = fyne.TextWrapWord
	s.code = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.code.TextSize = 3 * theme.TextSize()
	s.code.TextStyle = fyne.TextStyle{Bold: true}
	s.code.Hide()
	s.link = widget.NewHyperlink("", nil)
	s.link.Wrapping = fyne.TextWrapBreak
	s.link.OnTapped = func() {
		if err := u.opts.OpenURL(s.target); err != nil {
			u.say("Could not open the browser: %v", err)
		}
	}
	s.link.Hide()
	copyCode := &widget.Button{Text: "Copy code", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		u.app.Clipboard().SetContent(s.code.Text)
		u.say("Copied the code %s", s.code.Text)
	}}
	copyCode.ExtendBaseWidget(copyCode)
	copyLink := &widget.Button{Text: "Copy link", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		u.app.Clipboard().SetContent(s.target)
		u.say("Copied the sign-in link")
	}}
	copyLink.ExtendBaseWidget(copyLink)
	s.copies = container.NewHBox(copyCode, copyLink)
	s.copies.Hide()
	cancelBtn := &widget.Button{Text: "Cancel sign-in", Icon: theme.CancelIcon(), OnTapped: cancel}
	cancelBtn.ExtendBaseWidget(cancelBtn)
	spinner := widget.NewProgressBarInfinite()
	s.box = container.NewVBox(heading("Signing in"), s.msg, container.NewCenter(s.code), s.link,
		container.NewBorder(nil, nil, nil, container.NewHBox(s.copies, cancelBtn), spinner))
	return s
}

// prompt shows what the person must do now: enter the device code, or
// finish in the browser (opened, or to open).
func (s *signing) prompt(u *UI, pr auth.Prompt) {
	s.target = pr.URL
	var note string
	if pr.OpenErr != nil {
		note = fmt.Sprintf("\n(The browser could not be opened: %v.)", pr.OpenErr)
	}
	if d := pr.Device; d != nil {
		if d.VerificationURIComplete != "" {
			s.target = d.VerificationURIComplete
		}
		text := "On any device, open the page below and enter this code:"
		if pr.Opened {
			text = "The browser is open at the page below. Check that it shows this code, then approve:"
		}
		if !d.Expires.IsZero() {
			text += "\n(The code works until " + d.Expires.Local().Format("15:04:05") + ".)"
		}
		s.msg.SetText(text + note)
		s.code.Text = d.UserCode
		s.code.Show()
		s.code.Refresh()
		s.link.SetText(d.VerificationURI)
		s.copies.Objects[0].Show()
	} else {
		host := pr.URL
		if pu, err := url.Parse(pr.URL); err == nil && pu.Host != "" {
			host = pu.Host
		}
		text := "Open this page in a browser on this machine and sign in:"
		if pr.Opened {
			text = "The browser is open at the sign-in page of " + host + ". Sign in there; Token Desk waits for the browser to come back."
		}
		s.msg.SetText(text + note)
		s.link.SetText("Open the sign-in page of " + host)
		s.copies.Objects[0].Hide()
	}
	_ = s.link.SetURLFromString(s.target)
	s.link.Show()
	s.copies.Show()
}

// signedIn ends the sign-in s: the pane shows the new state, and the
// status bar who signed in (or the failure).
func (u *UI) signedIn(s *signing, user model.User, err error) {
	if u.signin == s {
		u.signin = nil
	}
	s.cancel()
	u.list.Refresh()
	u.detail.show(u.current())
	switch {
	case errors.Is(err, session.ErrSignInCancelled):
		u.say("Sign-in to %s cancelled", s.name)
	case err != nil:
		u.say("Sign-in to %s failed", s.name)
		u.showError("sign in to "+s.name, signInProblem(err))
	default:
		u.say("Signed in to %s as %s", s.name, user)
	}
}

// signInProblem says what a person can do about a failed sign-in.
func signInProblem(err error) error {
	var port *auth.PortInUseError
	switch {
	case errors.As(err, &port):
		return fmt.Errorf("%w\nClose the program using it (another sign-in?), or set another redirect URI in Edit", err)
	case errors.Is(err, auth.ErrAccessDenied):
		return fmt.Errorf("%w\nThe sign-in was refused at the server; sign in again to retry", err)
	case errors.Is(err, auth.ErrDeviceExpired):
		return fmt.Errorf("%w\nThe code was not approved in time; sign in again for a new one", err)
	case errors.Is(err, auth.ErrStateMismatch):
		return fmt.Errorf("%w\nThe browser came back from another sign-in; sign in again", err)
	}
	return err
}

// onSignOut forgets the selected profile's sign-in, revoking its refresh
// token where the server can.
func (u *UI) onSignOut() {
	p := u.current()
	if p == nil || !p.GrantType().SignsIn() {
		return
	}
	pr := *p
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done, err := u.desk.SignOut(ctx, pr)
		u.opts.Do(func() {
			u.list.Refresh()
			u.detail.show(u.current())
			switch {
			case err != nil:
				fyne.LogError("sign out of "+pr.Name, err)
				u.say("Signed out of %s here; the server may still honour the refresh token (%s)", pr.Name, errorText(err))
			case done == session.Revoked:
				u.say("Signed out of %s; the refresh token is revoked", pr.Name)
			case done == session.NoRevocationEndpoint:
				u.say("Signed out of %s (the tokens are forgotten; the server lists no revocation endpoint)", pr.Name)
			default:
				u.say("Signed out of %s (no refresh token was on file)", pr.Name)
			}
		})
	}()
}

// needsSignIn says whether the profile's next token takes a person's
// sign-in: the pane's primary action is then Sign in.
func needsSignIn(p model.Profile, st session.Status) bool {
	return p.GrantType().SignsIn() && (st.State == session.StateSignIn || !st.SignedIn && !st.Loading && st.Token == nil)
}

// whoText is who is signed in, and until when the refresh token lasts
// when the server said; empty when no one is.
func whoText(st session.Status) string {
	if !st.SignedIn {
		return ""
	}
	s := "Signed in as " + st.User.String()
	if !st.RefreshExpiry.IsZero() {
		s += " · refresh token valid until " + st.RefreshExpiry.Local().Format(timeFormat)
	}
	return s
}
