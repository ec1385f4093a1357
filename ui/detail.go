package ui

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// detail is the right-hand panel: the selected profile's state, actions,
// settings, token and claims.
type detail struct {
	u *UI

	content  fyne.CanvasObject
	none     *widget.Label
	panel    *fyne.Container
	badge    *badge
	title    *widget.Label
	state    *widget.Label
	progress *widget.ProgressBar
	spinner  *widget.ProgressBarInfinite
	errLabel *widget.Label
	insecure *widget.Label
	trust    *trustBar // a team profile's unallowed team file (team.go)

	// The action bar: Get token first and foremost; one Copy button that
	// repeats the profile's last copy, with the other copies in its menu;
	// Test and Inspect; the rest under "more".
	fetchBtn, cancelBtn, copyBtn, copyMenuBtn *tipButton
	testBtn, inspectBtn, moreBtn              *tipButton
	// Sign in takes Get token's place when a person must sign in; Sign
	// out shows while one is.
	signInBtn, signOutBtn *tipButton
	who                   *widget.Label   // who is signed in
	signBox               *fyne.Container // the sign-in under way, for its profile
	testResult            *widget.Label
	testFor               string // the profile the test result is of

	settings *widget.Form
	token    *widget.Form
	claims   *widget.Form
	tokenBox *fyne.Container
	claimBox *fyne.Container
}

func newDetail(u *UI) *detail {
	d := &detail{u: u}
	// Only the regular and bold faces are used: each further style (italic,
	// monospace) costs a font parse at start-up and memory (bench/RESULTS.md).
	d.none = widget.NewLabelWithStyle("Select a profile", fyne.TextAlignCenter, fyne.TextStyle{})
	d.badge = newBadge()
	d.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.SizeName = theme.SizeNameSubHeadingText
	d.state = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.progress = widget.NewProgressBar()
	d.progress.TextFormatter = func() string { return "" }
	d.spinner = widget.NewProgressBarInfinite()
	d.spinner.Hide()
	d.errLabel = widget.NewLabel("")
	d.errLabel.Wrapping = fyne.TextWrapWord
	d.errLabel.Importance = widget.DangerImportance
	d.insecure = widget.NewLabel("Insecure: this profile sends its client secret over plain http://")
	d.insecure.Importance = widget.WarningImportance
	d.insecure.Wrapping = fyne.TextWrapWord

	btn := func(text string, icon fyne.Resource, imp widget.Importance, f func(), tip string) *tipButton {
		b := &tipButton{Button: widget.Button{Text: text, Icon: icon, Importance: imp, OnTapped: f}, tip: tip, show: u.hint}
		b.ExtendBaseWidget(b)
		return b
	}
	d.fetchBtn = btn("Get token", theme.DownloadIcon(), widget.HighImportance, u.onFetch,
		"Get token: a new one from the server (Enter in the list, F5, "+keyName(shortcutFetch)+")")
	d.cancelBtn = btn("Cancel", theme.CancelIcon(), widget.MediumImportance, u.onCancel, "Cancel the token request")
	d.signInBtn = btn("Sign in", theme.LoginIcon(), widget.HighImportance, u.onSignIn,
		"Sign in: in the browser, or with a code on another device; the tokens then renew silently ("+keyName(shortcutSignIn)+")")
	d.signInBtn.Hide()
	d.signOutBtn = btn("Sign out", theme.LogoutIcon(), widget.LowImportance, u.onSignOut,
		"Sign out: revoke the refresh token and forget this profile's tokens")
	d.signOutBtn.Hide()
	d.who = widget.NewLabel("")
	d.who.Wrapping = fyne.TextWrapWord
	d.who.Hide()
	d.signBox = container.NewVBox()
	d.signBox.Hide()
	d.cancelBtn.Hide()
	d.copyBtn = btn("Copy token", theme.ContentCopyIcon(), widget.MediumImportance, d.onCopyAgain,
		"Copy again what was copied last for this profile; the arrow has the other copies")
	d.copyMenuBtn = btn("", theme.MenuDropDownIcon(), widget.MediumImportance, func() { d.popUp(d.copyMenuBtn, d.copyMenu()) },
		"Copy token ("+keyName(shortcutCopyToken)+"), header ("+keyName(shortcutCopyHeader)+"), curl ("+keyName(shortcutCopyCurl)+"), HTTPie, the token request…")
	d.testBtn = btn("Test", nil, widget.MediumImportance, u.onTest, "Test: call the API's probe path with the token and show the answer")
	d.inspectBtn = btn("Inspect", nil, widget.MediumImportance, u.onInspect,
		"Inspect: ask the server about the token, RFC 7662 ("+keyName(shortcutInspect)+")")
	d.moreBtn = btn("", theme.MoreHorizontalIcon(), widget.LowImportance, func() { d.popUp(d.moreBtn, d.moreMenu()) },
		"More: Edit ("+keyName(shortcutEdit)+"), Duplicate ("+keyName(shortcutDuplicate)+"), Export for Postman, Delete")
	d.testResult = widget.NewLabel("")
	d.testResult.Wrapping = fyne.TextWrapWord
	d.testResult.Hide()
	d.trust = newTrustBar(u)

	d.settings = widget.NewForm()
	d.token = widget.NewForm()
	d.claims = widget.NewForm()
	d.tokenBox = container.NewVBox(heading("Token"), d.token)
	d.claimBox = container.NewVBox(heading("Claims (decoded, not verified)"), d.claims)

	head := container.NewBorder(nil, nil, container.NewCenter(d.badge.box), nil, d.title)
	countdown := container.NewBorder(nil, nil, d.state, nil, container.NewStack(d.progress, d.spinner))
	// The buttons flow into a second row only when the pane is narrow, so
	// that more actions do not make the window wider.
	split := container.New(layout.NewCustomPaddedHBoxLayout(0), d.copyBtn, d.copyMenuBtn)
	actions := container.New(layout.NewRowWrapLayout(),
		d.signInBtn, d.fetchBtn, d.cancelBtn, split, d.testBtn, d.inspectBtn, d.signOutBtn, d.moreBtn)
	d.panel = container.NewVBox(head, countdown, d.who, actions, d.signBox, d.trust.box, d.insecure, d.errLabel, d.testResult, u.serve.box,
		d.tokenBox, d.claimBox, heading("Settings"), d.settings)
	d.content = container.NewStack(container.NewCenter(d.none), container.NewVScroll(container.NewPadded(d.panel)))
	// Not d.show(nil) yet: the first load shows the selected profile or
	// nothing (UI.Start), and turning the buttons off and on again made and
	// laid out their faces twice; Attach shows nothing if nothing was loaded.
	return d
}

// noneText is what the pane says with no profile to show.
func (d *detail) noneText() string {
	if d.u.filter != "" && len(d.u.shown) == 0 {
		return "No profile matches “" + d.u.filter + "”.\nEscape clears the filter."
	}
	return "Select a profile"
}

// setEnabled turns every action of the pane on or off.
func (d *detail) setEnabled(on bool) {
	for _, b := range []*tipButton{d.fetchBtn, d.cancelBtn, d.copyBtn, d.copyMenuBtn, d.testBtn, d.inspectBtn, d.moreBtn, d.signInBtn, d.signOutBtn} {
		if on == b.Disabled() {
			if on {
				b.Enable()
			} else {
				b.Disable()
			}
		}
	}
}

// lastCopyOf is the copy the Copy button makes for profile id: the one
// made last for it, a token at first.
func (d *detail) lastCopyOf(id string) copyKind {
	if k, ok := d.u.lastCopy[id]; ok {
		return k
	}
	return copyToken
}

// showCopy names the Copy button after the copy it repeats.
func (d *detail) showCopy(id string) {
	setButtonText(&d.copyBtn.Button, "Copy "+d.lastCopyOf(id).menuLabel())
}

func (d *detail) onCopyAgain() {
	if p := d.u.current(); p != nil {
		d.u.onCopy(d.lastCopyOf(p.ID))
	}
}

// copyMenu is every copy the selected profile offers.
func (d *detail) copyMenu() *fyne.Menu {
	p := d.u.current()
	if p == nil {
		return fyne.NewMenu("")
	}
	var items []*fyne.MenuItem
	for _, k := range copyKinds {
		switch {
		case k == copyCurlPowerShell && runtime.GOOS != "windows" && d.lastCopyOf(p.ID) != k:
			continue // offered in the Profile menu; here only on Windows
		case k == copyRequest && (p.Style() == model.AuthPrivateKeyJWT || p.Style() == model.AuthClientSecretJWT):
			continue // the request carries a signed assertion, not $CLIENT_SECRET
		case k == copyCurlSecret && !p.BasicAPI():
			continue // only Basic API calls carry the secret
		}
		items = append(items, &fyne.MenuItem{Label: "Copy " + k.menuLabel(), Shortcut: k.shortcut(), Action: func() { d.u.onCopy(k) }})
	}
	if p.Style().UsesKey() {
		items = append(items, fyne.NewMenuItemSeparator(), &fyne.MenuItem{Label: "Copy public JWKS", Action: d.u.onCopyJWKS})
	}
	return fyne.NewMenu("Copy", items...)
}

// moreMenu holds the selected profile's rarer actions.
func (d *detail) moreMenu() *fyne.Menu {
	return fyne.NewMenu("More",
		&fyne.MenuItem{Label: "Edit…", Shortcut: shortcutEdit, Action: d.u.openEdit},
		&fyne.MenuItem{Label: "Duplicate to another environment…", Shortcut: shortcutDuplicate, Action: d.u.openDuplicate},
		&fyne.MenuItem{Label: "Export for Postman…", Action: d.u.onExportPostman},
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Delete (Undo for 10 s)", Action: d.u.onDelete})
}

// popUp shows m under b.
func (d *detail) popUp(b *tipButton, m *fyne.Menu) {
	c := d.u.win.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
	widget.ShowPopUpMenuAtPosition(m, c, pos)
}

func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return l
}

// show redraws the panel for p (nil: nothing selected).
func (d *detail) show(p *model.Profile) {
	d.u.syncMenu()
	scroll := d.content.(*fyne.Container).Objects[1]
	d.setEnabled(p != nil)
	if p == nil {
		d.none.SetText(d.noneText())
		d.none.Show()
		scroll.Hide()
		return
	}
	d.none.Hide()
	scroll.Show()
	if d.testFor != p.ID {
		d.testResult.Hide()
	}
	d.showCopy(p.ID)
	d.u.serve.show(p)
	d.trust.show(p)
	d.badge.set(p.Env, envColor(d.u.file, p.Env))
	d.title.SetText(p.Name)
	if p.AllowInsecure && p.ClearText() {
		d.insecure.Show()
	} else {
		d.insecure.Hide()
	}

	st := d.u.session(*p).Status(d.u.opts.Now())
	rows := profileRows(*p)
	if st.KeychainErr != nil {
		// The row would otherwise say the secret is in a keychain that
		// cannot be reached.
		for i := range rows {
			if rows[i][0] == "Client secret" {
				rows[i][1] += " — which cannot be read now: " + st.KeychainErr.Error()
			}
		}
	}
	rows = slices.Insert(rows, 1, d.grantRows(*p)...)
	setForm(d.settings, rows)

	d.showStatus(*p, st)
	d.showSignIn(*p, st)
	switch last := d.u.lastError(p.ID); {
	case st.Err != nil:
		d.errLabel.SetText(errorText(st.Err))
		d.errLabel.Show()
	case st.Token == nil && last != "":
		d.errLabel.SetText("Last error, before Token Desk restarted: " + last)
		d.errLabel.Show()
	default:
		d.errLabel.Hide()
	}
	if t := st.Token; t != nil {
		setForm(d.token, tokenRows(*p, t, st))
		// A scope other than the one asked for stands out.
		missing, added := format.ScopeDiff(p.Scopes, t.Scope)
		for _, it := range d.token.Items {
			l := it.Widget.(*widget.Label)
			want := widget.MediumImportance
			if it.Text == "Scope granted" && len(missing)+len(added) > 0 {
				want = widget.WarningImportance
			}
			if l.Importance != want {
				l.Importance = want
				l.Refresh()
			}
		}
		d.tokenBox.Show()
		if claims, _, ok := format.Claims(t.AccessToken); ok {
			rows := make([][2]string, len(claims))
			for i, c := range claims {
				rows[i] = [2]string{c.Name, c.Value}
			}
			setForm(d.claims, rows)
			d.claimBox.Show()
		} else {
			d.claimBox.Hide()
		}
	} else {
		d.tokenBox.Hide()
		d.claimBox.Hide()
	}
}

// tick moves the countdown of the shown profile.
func (d *detail) tick(now time.Time) {
	p := d.u.current()
	if p == nil {
		return
	}
	d.showStatus(*p, d.u.session(*p).Status(now))
}

func (d *detail) showStatus(p model.Profile, st session.Status) {
	text, imp := liveStateText(st)
	switch {
	case d.u.signin != nil && d.u.signin.id == p.ID && st.State == session.StateSignIn:
		text = "signing in…"
	case st.State == session.StateFailed && st.Token != nil && st.Token.Expiry.After(d.u.opts.Now()):
		text = "error (last token: " + format.Left(st.Left) + " left)"
	case st.State == session.StateValid && !st.ExpiryKnown():
		text = "valid — expiry unknown"
	}
	if d.state.Text != text || d.state.Importance != imp {
		d.state.Text, d.state.Importance = text, imp
		d.state.Refresh()
	}
	fetching := st.State == session.StateFetching
	if fetching {
		d.progress.Hide()
		d.spinner.Show()
		d.spinner.Start()
		d.fetchBtn.Disable()
		setButtonText(&d.fetchBtn.Button, "Fetching…")
		d.cancelBtn.Show()
	} else {
		d.spinner.Stop()
		d.spinner.Hide()
		// An empty bar's track looks like a full one: show the bar only
		// while there is time to drain.
		if f := st.Fraction(); f > 0 {
			d.setProgress(f)
			d.progress.Show()
		} else {
			d.progress.Hide()
		}
		d.fetchBtn.Enable()
		setButtonText(&d.fetchBtn.Button, "Get token")
		d.cancelBtn.Hide()
	}
	// Sign in is the primary action while a person must sign in.
	signIn := needsSignIn(p, st) && !fetching
	d.setShown(d.signInBtn, signIn)
	d.setShown(d.fetchBtn, !signIn)
	d.setShown(d.signOutBtn, d.u.signOutOffered(p, st))
	if s := d.u.signin; s != nil && s.id == p.ID {
		d.signInBtn.Disable()
		setButtonText(&d.signInBtn.Button, "Signing in…")
	} else {
		d.signInBtn.Enable()
		setButtonText(&d.signInBtn.Button, "Sign in")
	}
}

// setShown shows or hides b; a hidden button's tip leaves the status
// bar, since the pointer can no longer leave it.
func (d *detail) setShown(b *tipButton, on bool) {
	if !on && b.Visible() && d.u.tip.Text == b.tip {
		d.u.hint("")
	}
	setVisible(b, on)
}

// showSignIn shows who is signed in, and the sign-in under way for p.
func (d *detail) showSignIn(p model.Profile, st session.Status) {
	if text := whoText(st); text != "" && p.GrantType().SignsIn() {
		setLabel(d.who, text)
		d.who.Show()
	} else {
		d.who.Hide()
	}
	if s := d.u.signin; s != nil && s.id == p.ID {
		if len(d.signBox.Objects) != 1 || d.signBox.Objects[0] != s.box {
			d.signBox.Objects = []fyne.CanvasObject{s.box}
			d.signBox.Refresh()
		}
		d.signBox.Show()
	} else {
		d.signBox.Hide()
	}
}

// setButtonText changes b's text if it differs: SetText redraws even
// when it does not, and the countdown calls this every second.
func setButtonText(b *widget.Button, text string) {
	if b.Text != text {
		b.SetText(text)
	}
}

// setProgress moves the bar to f when that moves it by a pixel or more:
// an hour's bar a few hundred pixels wide then redraws every ten seconds
// or so, not every second (bench/RESULTS.md).
func (d *detail) setProgress(f float64) {
	if d.u.win == nil { // not attached yet: nothing drawn to save
		d.progress.SetValue(f)
		return
	}
	px := float64(d.progress.Size().Width * d.u.win.Canvas().Scale())
	if px > 0 && math.Abs(f-d.progress.Value)*px < 1 {
		return
	}
	d.progress.SetValue(f)
}

const timeFormat = "2006-01-02 15:04:05 MST"

// setForm shows rows in a read-only form. widget.Form keeps the widgets it
// rendered for as many items as it had, so the value labels are updated in
// place and only rows beyond the old count get new ones.
func setForm(f *widget.Form, rows [][2]string) {
	for i, r := range rows {
		if i < len(f.Items) {
			f.Items[i].Text = r[0]
			f.Items[i].Widget.(*widget.Label).SetText(r[1])
			continue
		}
		v := widget.NewLabel(r[1])
		v.Wrapping = fyne.TextWrapBreak
		v.Selectable = true
		f.Items = append(f.Items, &widget.FormItem{Text: r[0], Widget: v})
	}
	f.Items = f.Items[:len(rows)]
	f.Refresh()
}

func profileRows(p model.Profile) [][2]string {
	rows := [][2]string{
		{"Token URL", p.TokenURL},
		{"Client ID", p.ClientID},
		{"Client secret", secretNote(p)},
		{"Base URL", orNone(p.BaseURL)},
		{"Scopes", orNone(strings.Join(p.Scopes, " "))},
		{"Auth style", styleChoice(p.Style())},
	}
	if p.BasicAPI() {
		rows = append(rows, [2]string{"API calls", "Basic auth: the client ID and secret, no token"})
	}
	rows = append(rows, teamRows(p)...)
	if p.Style() == model.AuthTLS {
		rows = append(rows, [2]string{"Client certificate", certSummary(p.ClientCert)})
	}
	if len(p.Params) > 0 {
		keys := make([]string, 0, len(p.Params))
		for k := range p.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			for _, v := range p.Params[k] {
				parts = append(parts, k+"="+v)
			}
		}
		rows = append(rows, [2]string{"Parameters", strings.Join(parts, "\n")})
	}
	if p.RequestPath != "" {
		rows = append(rows, [2]string{"Request path", p.RequestPath})
	}
	if p.ProbePath != "" {
		rows = append(rows, [2]string{"Probe path", p.ProbePath})
	}
	if p.CAFile != "" {
		rows = append(rows, [2]string{"CA file", p.CAFile})
	}
	if p.IntrospectionURL != "" {
		rows = append(rows, [2]string{"Introspection URL", p.IntrospectionURL})
	}
	if len(p.Headers) > 0 {
		lines := make([]string, len(p.Headers))
		for i, h := range p.Headers {
			lines[i] = h.String() // a secret one's value masked
			if h.Secret {
				lines[i] += "  (in the keychain)"
			}
			if h.TokenRequest {
				lines[i] += "  (token request too)"
			}
		}
		rows = append(rows, [2]string{"Headers", strings.Join(lines, "\n")})
	}
	auto := "off"
	if p.AutoRefresh {
		auto = "on"
	}
	rows = append(rows, [2]string{"Auto-refresh", auto})
	if p.Notes != "" {
		rows = append(rows, [2]string{"Notes", p.Notes})
	}
	return rows
}

func tokenRows(p model.Profile, t *model.Token, st session.Status) [][2]string {
	rows := [][2]string{{"Type", auth.Scheme(t.TokenType)}}
	if t.Scope != "" {
		v := t.Scope
		if missing, added := format.ScopeDiff(p.Scopes, t.Scope); len(missing)+len(added) > 0 {
			v += "\n(asked for: " + strings.Join(p.Scopes, " ")
			if len(missing) > 0 {
				v += "; not granted: " + strings.Join(missing, " ")
			}
			if len(added) > 0 {
				v += "; added: " + strings.Join(added, " ")
			}
			v += ")"
		}
		rows = append(rows, [2]string{"Scope granted", v})
	}
	rows = append(rows, [2]string{"Issued", t.IssuedAt.Local().Format(timeFormat)})
	if st.ExpiryKnown() {
		rows = append(rows, [2]string{"Expires", t.Expiry.Local().Format(timeFormat) + "  (lifetime " + format.Left(st.Lifetime) + ")"})
	} else {
		rows = append(rows, [2]string{"Expires", "unknown (the server sent no expires_in)"})
	}
	rows = append(rows, [2]string{"Length", fmt.Sprintf("%d characters", len(t.AccessToken))})
	if st.MemoryOnly {
		rows = append(rows, [2]string{"Cache", fmt.Sprintf("memory only: %v", st.CacheErr)})
	}
	keys := make([]string, 0, len(t.Extra))
	for k := range t.Extra {
		keys = append(keys, k)
	}
	// Medplum's project and profile first.
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := slices.Index([]string{"project", "profile"}, keys[i]), slices.Index([]string{"project", "profile"}, keys[j])
		if pi != pj {
			return pi > pj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		v := format.ExtraText(t.Extra[k])
		if strings.HasSuffix(k, "_token") {
			v = fmt.Sprintf("(%d characters, not shown)", len(v)) // a credential too
		}
		rows = append(rows, [2]string{k, v})
	}
	return rows
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// errorText is a failure as the profile shows it.
func errorText(err error) string {
	if errors.Is(err, storage.ErrSecretMissing) {
		return "Secret missing — enter it again with Edit."
	}
	return err.Error()
}

// showTest shows the last test call's outcome for profile id.
func (d *detail) showTest(id, text string, imp widget.Importance) {
	d.testFor = id
	if p := d.u.current(); p == nil || p.ID != id {
		return
	}
	d.testResult.Importance = imp
	d.testResult.SetText("Test: " + text)
	d.testResult.Show()
}

// grantRows are the settings of p's grant, when it is not
// client_credentials.
func (d *detail) grantRows(p model.Profile) [][2]string {
	g := p.GrantType()
	if g == model.GrantClientCredentials {
		return nil
	}
	rows := [][2]string{{"Grant", grantChoice(g)}}
	add := func(name, v string) {
		if v != "" {
			rows = append(rows, [2]string{name, v})
		}
	}
	switch g {
	case model.GrantAuthorizationCode:
		add("Authorization URL", p.AuthorizeURL)
		redirect := p.RedirectURI
		if redirect == "" && p.RedirectPort != 0 {
			redirect = fmt.Sprintf("http://127.0.0.1:%d/", p.RedirectPort)
		}
		if redirect == "" {
			redirect = "http://127.0.0.1 on a free port"
		}
		add("Redirect URI", redirect)
	case model.GrantDeviceCode:
		add("Device URL", p.DeviceURL)
	case model.GrantTokenExchange:
		subject := p.SubjectProfile
		if d.u.file != nil {
			if q, err := d.u.file.ByID(subject); err == nil {
				subject = q.Name
			}
		}
		add("Subject profile", orNone(subject))
		add("Subject token type", p.SubjectTokenType)
	}
	add("Revocation URL", p.RevocationURL)
	add("Issuer", p.Issuer)
	return rows
}

func secretNote(p model.Profile) string {
	if note := refNote(p); note != "" {
		return note
	}
	switch p.Style() {
	case model.AuthPrivateKeyJWT:
		return "none: a private key in the keychain signs each request"
	case model.AuthTLS:
		return "none: the client certificate's private key is in the keychain"
	case model.AuthClientSecretJWT:
		return "in the keychain; only a JWT signed with it is sent"
	case model.AuthNone:
		return "none: a public client"
	}
	return "in the keychain"
}

// certSummary is a certificate's subject, issuer and validity in one line.
func certSummary(certPEM string) string {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return "none"
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	issuer := "self-signed"
	if c.Issuer.String() != c.Subject.String() {
		issuer = "issued by " + c.Issuer.String()
	}
	return fmt.Sprintf("%s, %s, valid until %s", c.Subject.String(), issuer, c.NotAfter.Local().Format("2006-01-02"))
}
