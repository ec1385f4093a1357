package ui

import (
	"errors"
	"fmt"
	"image/color"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
)

// A preset fills the URLs of a well-known server and suggests a name and
// an environment.
type preset struct {
	name, tokenURL, baseURL string
	// path is the request and probe path the server answers about the
	// token's own client (Medplum's auth/me); empty fills none.
	path string
	// stem and env suggest the profile's name (stem-env) and environment.
	stem, env string
	// signIn: a person signs in (importer.MedplumSignIn); the first-run
	// screen offers only the client-credentials presets.
	signIn bool
}

var presets = []preset{
	{"Medplum cloud", "https://api.medplum.com/oauth2/token", "https://api.medplum.com/", "auth/me", "medplum", "prod", false},
	{"Medplum local (port 8103)", "http://localhost:8103/oauth2/token", "http://localhost:8103/", "auth/me", "medplum", "local", false},
	{"Medplum sign-in (a person, in the browser)", "https://api.medplum.com/oauth2/token", "https://api.medplum.com/", "auth/me", "medplum", "prod", true},
	{"Custom", "", "", "", "", "", false},
}

// profileForm is the add, edit and duplicate dialog: a short form of what
// every profile needs, and an Advanced section for the rest.
type profileForm struct {
	u    *UI
	orig *model.Profile // the profile edited; nil when adding or duplicating
	from *model.Profile // the profile duplicated, or nil
	dlg  *dialog.CustomDialog
	keys *formKeys

	preset, color, style                                   *formSelect
	name, env, tokenURL, baseURL, clientID, secret         *formEntry
	scopes, params, requestPath, timeout, notes            *formEntry
	caFile, probePath, keyFile, certFile, introspectionURL *formEntry
	secretRef                                              *formEntry // where the secret comes from instead of the keychain
	credLabel                                              *widget.Label
	headers                                                *headerEditor
	grants                                                 *grantFields // the fields only some grants use
	headersMsg                                             *canvas.Text
	scopePick                                              *widget.CheckGroup
	autoRefresh, allowInsecure, basicAPI                   *formCheck          // basicAPI: API calls use Basic auth
	advanced                                               []fyne.CanvasObject // the Advanced section's labels and fields
	advancedBtn                                            *ringButton
	// problem says what concerns no one field (a failed save), or what
	// Discover found.
	problem        *widget.Label
	discover, save *ringButton
	// suggested: the name was suggested (by a preset or the profile
	// duplicated) and follows the environment, as stem-env, until the
	// person types one.
	suggested bool
	stem      string
	naming    bool // the form itself is setting the name
}

func (u *UI) onAdd() {
	if u.form == nil {
		u.openForm(nil, nil)
	}
}

func (u *UI) onEdit() {
	if p := u.current(); p != nil && u.form == nil {
		u.openForm(p, nil)
	}
}

// onDuplicate opens the form on a copy of the selected profile for another
// environment: the name and environment asked, the URLs kept but editable,
// the secret asked again (never copied).
func (u *UI) onDuplicate() {
	if p := u.current(); p != nil && u.form == nil {
		u.openForm(nil, p)
	}
}

// openForm shows the form: edit p, duplicate from, or (both nil) add.
func (u *UI) openForm(p, from *model.Profile) {
	f := &profileForm{u: u, orig: p, from: from}
	f.keys = &formKeys{escape: f.close, submit: f.onSave}
	k := f.keys
	f.name = newFormEntry(k, "e.g. medplum-prod", false)
	f.env = newFormEntry(k, "local, staging, prod…", false)
	f.tokenURL = newFormEntry(k, "https://…/oauth2/token", false)
	f.baseURL = newFormEntry(k, "https://api.example.com/ (for copied curl commands)", false)
	f.clientID = newFormEntry(k, "", false)
	f.secret = newFormEntry(k, "", false)
	f.secret.Password = true
	f.scopes = newFormEntry(k, "space-separated, e.g. openid system/*.read", false)
	f.params = newFormEntry(k, "one per line: audience=https://…", true)
	f.params.SetMinRowsVisible(2)
	f.requestPath = newFormEntry(k, "e.g. fhir/R4/Patient or auth/me", false)
	f.timeout = newFormEntry(k, "30", false)
	f.notes = newFormEntry(k, "", true)
	f.notes.SetMinRowsVisible(2)
	f.caFile = newFormEntry(k, "PEM file of a dev server's own CA (optional)", false)
	f.probePath = newFormEntry(k, "what Test calls, e.g. auth/me", false)
	f.keyFile = newFormEntry(k, "PEM private key file; empty keeps the stored key or generates one", false)
	f.certFile = newFormEntry(k, "PEM certificate file; empty makes a self-signed one", false)
	f.introspectionURL = newFormEntry(k, "RFC 7662 endpoint for Inspect; empty: from the server's metadata", false)
	f.secretRef = newFormEntry(k, "op://vault/item/field, vault://mount/path#field, pass://path or cmd:…; empty: the keychain", false)
	f.grants = &grantFields{offered: model.Grants,
		authorizeURL:     newFormEntry(k, "https://…/oauth2/authorize", false),
		deviceURL:        newFormEntry(k, "https://…/device/code (RFC 8628)", false),
		revocationURL:    newFormEntry(k, "RFC 7009 endpoint for Sign out; empty: from the server's metadata", false),
		issuer:           newFormEntry(k, "the server's issuer, checked on the sign-in's return (optional)", false),
		redirectURI:      newFormEntry(k, "exact URI the client is registered with; empty: 127.0.0.1 on a free port", false),
		subjectTokenType: newFormEntry(k, "urn:ietf:params:oauth:token-type:access_token", false),
	}
	f.grants.grant = newFormSelect(k, grantChoices(model.Grants), func(string) { f.onGrant() })
	f.grants.grant.SetSelectedIndex(0)
	f.grants.subject = newFormSelect(k, subjectChoices(u.fileProfiles(), idOf(p)), nil)
	f.headers = newHeaderEditor(k)
	f.headers.focus = u.win.Canvas().Focus
	f.headersMsg = messageLabel()
	f.scopePick = widget.NewCheckGroup(nil, f.onScopePick)
	f.scopePick.Horizontal = true
	f.scopePick.Hide()
	colors := make([]string, len(palette))
	for i, c := range palette {
		colors[i] = c.Name
	}
	f.color = newFormSelect(k, colors, nil)
	f.style = newFormSelect(k, styleChoices(), nil)
	f.style.SetSelectedIndex(0)
	f.autoRefresh = newFormCheck(k, "Fetch a new token before expiry", nil)
	f.allowInsecure = newFormCheck(k, "Allow plain http://", func(bool) { f.recheckURLs() })
	f.basicAPI = newFormCheck(k, "API calls use Basic auth (client ID and secret, no token: Medplum's On-Behalf-Of)", nil)
	f.problem = widget.NewLabel("")
	f.problem.Importance = widget.DangerImportance
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Hide()
	f.preset = newFormSelect(k, names(presets), f.onPreset)
	f.discover = newRingButton(k, "Discover", widget.MediumImportance, f.onDiscover)
	f.advancedBtn = newRingButton(k, "", widget.LowImportance, func() { f.showAdvanced(!f.advancedOpen()) })
	f.advancedBtn.Alignment = widget.ButtonAlignLeading
	f.setChecks()

	title := "Add profile"
	switch {
	case p != nil:
		title = "Edit " + p.Name
		f.fill(*p)
		f.secret.SetPlaceHolder("leave empty to keep the stored secret")
	case from != nil:
		title = "Duplicate " + from.Name + " to another environment"
		f.fill(*from)
		f.stem = stem(from.Name, from.Env)
		f.suggested = true
		f.env.SetText("")
		f.setName("")
		f.name.SetPlaceHolder(f.stem + "-…  (follows the environment)")
		f.secret.SetPlaceHolder("the copy's own secret (never copied)")
		for _, r := range f.headers.list {
			r.forgetKept() // its value stays with the original: ask it again
		}
	default:
		f.suggested = true
		f.preset.SetSelectedIndex(len(presets) - 1)
		f.secret.SetPlaceHolder("stored in the keychain")
		f.color.SetSelected(colorName(envHex(u.file, "")))
	}
	f.env.OnChanged = f.onEnv
	f.name.OnChanged = func(string) {
		if !f.naming {
			f.suggested = false
		}
		f.recheck(f.name)
	}

	grid := container.New(layout.NewFormLayout())
	// Every label is as wide as the widest one, shown or not, so that the
	// fields do not move sideways when Advanced opens or the style changes.
	width := fyne.MeasureText("Subject token type", theme.TextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding()
	labelCell := func(l *widget.Label) fyne.CanvasObject {
		space := canvas.NewRectangle(color.Transparent)
		space.SetMinSize(fyne.NewSize(width, 0))
		return container.NewStack(space, l)
	}
	row := func(label string, obj fyne.CanvasObject) []fyne.CanvasObject {
		l := labelCell(widget.NewLabel(label))
		grid.Add(l)
		grid.Add(obj)
		return []fyne.CanvasObject{l, obj}
	}
	// One row for the credential, whose entries follow the auth style: a
	// secret, a private key, or a key and a certificate.
	f.credLabel = widget.NewLabel("Client secret")
	row("Preset", f.preset)
	row("Name", withMessage(f.name, nil))
	row("Environment", container.NewBorder(nil, nil, nil, f.color, f.env))
	row("Base URL", withMessage(container.NewBorder(nil, nil, nil, f.discover, f.baseURL), f.baseURL))
	row("Grant", f.grants.grant)
	row("Token URL", container.New(layout.NewCustomPaddedVBoxLayout(2), f.tokenURL, fixLine(f.tokenURL, f.allowInsecure)))
	g := f.grants
	g.authorizeRow = row("Authorization URL", withMessage(g.authorizeURL, nil))
	g.redirectRow = row("Redirect URI", withMessage(g.redirectURI, nil))
	g.deviceRow = row("Device URL", withMessage(g.deviceURL, nil))
	g.subjectRow = row("Subject profile", g.subject)
	g.subjectTypeRow = row("Subject token type", g.subjectTokenType)
	g.signInRows = append(row("Revocation URL", withMessage(g.revocationURL, nil)), row("Issuer", g.issuer)...)
	row("Client ID", withMessage(f.clientID, nil))
	grid.Add(labelCell(f.credLabel))
	grid.Add(withMessage(container.NewVBox(f.secret, f.keyFile, f.certFile), f.secret))
	row("Scopes", container.NewVBox(f.scopes, f.scopePick))
	row("Auth style", f.style)
	row("", f.advancedBtn)
	for _, r := range [][2]any{
		{"Secret from", withMessage(f.secretRef, nil)},
		{"Parameters", withMessage(f.params, nil)},
		{"Request path", f.requestPath},
		{"Probe path", f.probePath},
		{"Timeout (s)", withMessage(f.timeout, nil)},
		{"CA file", f.caFile},
		{"Introspection URL", withMessage(f.introspectionURL, nil)},
		{"Headers", container.NewVBox(f.headers.box, f.headersMsg)},
		{"Notes", f.notes},
		{"", f.autoRefresh},
		{"", f.basicAPI},
	} {
		f.advanced = append(f.advanced, row(r[0].(string), r[1].(fyne.CanvasObject))...)
	}
	f.showAdvanced(p != nil && usesAdvanced(*p) || from != nil && usesAdvanced(*from))
	cancel := newRingButton(k, "Cancel", widget.MediumImportance, f.close)
	f.save = newRingButton(k, "Save", widget.HighImportance, f.onSave)
	f.style.OnChanged = func(string) { f.onStyle() }
	f.onStyle()
	g.show()
	f.recheckURLs()
	keysNote := widget.NewLabel("Tab moves on · Ctrl+Enter saves · Escape closes")
	keysNote.SizeName = theme.SizeNameCaptionText
	f.dlg = dialog.NewCustomWithoutButtons(title,
		container.NewBorder(nil, container.NewVBox(f.problem, keysNote), nil, nil, container.NewVScroll(grid)), u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{cancel, f.save})
	f.dlg.SetOnClosed(f.closed)
	f.dlg.Resize(fyne.NewSize(720, 680))
	c := u.win.Canvas()
	// The entries and buttons take Ctrl+Enter themselves; the window's
	// shortcut serves a focused select or check box.
	for _, s := range []*desktop.CustomShortcut{shortcutSubmit, {KeyName: fyne.KeyEnter, Modifier: shortcutSubmit.Modifier}} {
		c.AddShortcut(s, func(fyne.Shortcut) { f.onSave() })
	}
	f.dlg.Show()
	u.form = f
	if from != nil {
		c.Focus(f.env)
	} else {
		c.Focus(f.name)
	}
}

// close closes the form without saving.
func (f *profileForm) close() { f.dlg.Hide() }

// closed forgets the form once its dialog is gone, however it went.
func (f *profileForm) closed() {
	if f.u.form == f {
		f.u.form = nil
	}
	c := f.u.win.Canvas()
	c.RemoveShortcut(shortcutSubmit)
	c.RemoveShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEnter, Modifier: shortcutSubmit.Modifier})
}

// usesAdvanced says whether p sets any of the Advanced section's fields, so
// that the section opens on it.
func usesAdvanced(p model.Profile) bool {
	return len(p.Params) > 0 || p.RequestPath != "" || p.ProbePath != "" || p.TimeoutSeconds > 0 || p.CAFile != "" ||
		p.IntrospectionURL != "" || len(p.Headers) > 0 || p.Notes != "" || p.AutoRefresh || p.BasicAPI() || p.SecretRef != ""
}

// showAdvanced opens or closes the Advanced section.
func (f *profileForm) showAdvanced(open bool) {
	for _, o := range f.advanced {
		if open {
			o.Show()
		} else {
			o.Hide()
		}
	}
	if open {
		f.advancedBtn.SetText("▾ Advanced")
	} else {
		f.advancedBtn.SetText("▸ Advanced: parameters, paths, timeout, CA file, introspection, headers, notes")
	}
}

// advancedOpen says whether the Advanced section shows.
func (f *profileForm) advancedOpen() bool { return f.advanced[0].Visible() }

// inAdvanced says whether o is a field of the Advanced section.
func (f *profileForm) inAdvanced(o fyne.CanvasObject) bool {
	switch o {
	case f.params, f.requestPath, f.probePath, f.timeout, f.caFile, f.introspectionURL, f.notes:
		return true
	}
	return false
}

// stem is a profile's name without its environment suffix: the start of
// the names of its copies.
func stem(name, env string) string {
	if env != "" {
		if s, ok := strings.CutSuffix(name, "-"+env); ok && s != "" {
			return s
		}
	}
	return name
}

// setName sets the name as the form's suggestion, not the person's.
func (f *profileForm) setName(s string) {
	f.naming = true
	f.name.SetText(s)
	f.naming = false
}

func (f *profileForm) onEnv(env string) {
	f.color.SetSelected(colorName(envHex(f.u.file, env)))
	if f.suggested && f.stem != "" {
		env = strings.TrimSpace(env)
		if env == "" {
			f.setName("")
		} else {
			f.setName(f.stem + "-" + env)
		}
	}
}

// onStyle shows the credential entries the chosen auth style needs.
func (f *profileForm) onStyle() {
	style := model.AuthStyles[max(f.style.SelectedIndex(), 0)]
	label := "Client secret"
	f.secret.Show()
	f.keyFile.Hide()
	f.certFile.Hide()
	switch style {
	case model.AuthPrivateKeyJWT:
		label = "Private key"
		f.secret.Hide()
		f.keyFile.Show()
	case model.AuthTLS:
		label = "Key, certificate"
		f.secret.Hide()
		f.keyFile.Show()
		f.certFile.Show()
	case model.AuthNone:
		label = "No credential"
		f.secret.Hide()
	}
	f.credLabel.SetText(label)
	f.recheck(f.secret)
}

func names(ps []preset) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}

func (f *profileForm) onPreset(name string) {
	for _, p := range presets {
		if p.name != name || p.tokenURL == "" {
			continue
		}
		if p.signIn {
			f.medplumSignIn()
		} else {
			f.grants.grant.SetSelectedIndex(max(slices.Index(f.grants.offered, model.GrantClientCredentials), 0))
			if f.style.SelectedIndex() == slices.Index(model.AuthStyles, model.AuthNone) {
				f.style.SetSelectedIndex(0) // client credentials need a credential
			}
		}
		f.tokenURL.SetText(p.tokenURL)
		f.baseURL.SetText(p.baseURL)
		if p.path != "" && f.requestPath.Text == "" {
			f.requestPath.SetText(p.path)
		}
		if p.path != "" && f.probePath.Text == "" {
			f.probePath.SetText(p.path)
		}
		if f.suggested && f.orig == nil {
			f.stem = p.stem
			if strings.TrimSpace(f.env.Text) == "" || f.env.Text == presetEnv(f.env.Text) {
				f.env.SetText(p.env) // names it too
			} else {
				f.onEnv(f.env.Text)
			}
		}
	}
}

// presetEnv is env if a preset suggests it, else "": a preset replaces an
// environment another preset suggested, not one the person typed.
func presetEnv(env string) string {
	for _, p := range presets {
		if p.env != "" && p.env == env {
			return env
		}
	}
	return ""
}

// setChecks gives each validated entry its check and re-runs it as the
// person types once it has shown a message, so that no stale message
// stays; leaving a filled field checks it too.
func (f *profileForm) setChecks() {
	f.name.check = f.checkName
	f.tokenURL.check = func(s string) error { return f.checkURL("token URL", s, true, true) }
	f.baseURL.check = func(s string) error { return f.checkURL("base URL", s, false, false) }
	f.introspectionURL.check = func(s string) error { return f.checkURL("introspection URL", s, false, false) }
	f.clientID.check = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return model.ErrClientIDRequired
		}
		return nil
	}
	f.secret.check = func(s string) error {
		// A profile whose secret is a reference has it from there.
		fromRef := strings.TrimSpace(f.secretRef.Text) != ""
		style := model.AuthStyles[max(f.style.SelectedIndex(), 0)]
		if f.orig == nil && s == "" && !fromRef && !style.UsesKey() && style != model.AuthNone {
			return core.ErrSecretRequired
		}
		return nil
	}
	f.params.check = func(s string) error {
		_, err := core.ParseParams(strings.Split(s, "\n"))
		var pe *core.ParamError
		if errors.As(err, &pe) {
			return fmt.Errorf("line %d %q: want key=value", pe.Line, pe.Text)
		}
		return err
	}
	f.timeout.check = func(s string) error {
		if s == "" {
			return nil
		}
		if n, err := strconv.Atoi(s); err != nil || n < 1 {
			return errors.New("seconds, a whole number above 0")
		}
		return nil
	}
	f.secretRef.check = func(s string) error {
		if s = strings.TrimSpace(s); s != "" {
			if _, err := secretref.Parse(s); err != nil {
				return err
			}
		}
		return nil
	}
	g := f.grants
	// A field the chosen grant does not use is hidden, not saved and not
	// checked.
	g.authorizeURL.check = func(s string) error {
		switch {
		case g.chosen() != model.GrantAuthorizationCode:
			return nil
		case strings.TrimSpace(s) == "":
			return model.ErrAuthorizeURLRequired
		}
		return f.checkURL("authorization URL", s, false, false)
	}
	g.deviceURL.check = func(s string) error {
		switch {
		case g.chosen() != model.GrantDeviceCode:
			return nil
		case strings.TrimSpace(s) == "":
			return model.ErrDeviceURLRequired
		}
		return f.checkURL("device authorization URL", s, false, false)
	}
	g.revocationURL.check = func(s string) error {
		if !g.chosen().SignsIn() {
			return nil
		}
		return f.checkURL("revocation URL", s, false, false)
	}
	g.redirectURI.check = func(s string) error {
		if s = strings.TrimSpace(s); s != "" && g.chosen() == model.GrantAuthorizationCode {
			_, err := model.ParseRedirect(s)
			return err
		}
		return nil
	}
	for _, e := range []*formEntry{f.name, f.tokenURL, f.baseURL, f.introspectionURL, f.clientID, f.secret, f.params, f.timeout, f.secretRef,
		g.authorizeURL, g.deviceURL, g.revocationURL, g.redirectURI} {
		e.msg = messageLabel()
		e.leave = func() {
			if e.Text != "" {
				f.show(e, e.check(e.Text))
			}
		}
		if e == f.name {
			continue // its OnChanged follows suggestions too
		}
		urlEntry := slices.Contains(f.urlEntries(), e)
		e.OnChanged = func(string) {
			f.recheck(e)
			if urlEntry {
				f.showAllowInsecure()
			}
		}
		if !e.MultiLine {
			e.OnSubmitted = func(string) { f.onSave() }
		}
	}
	for _, e := range []*formEntry{f.env, f.scopes, f.requestPath, f.probePath, f.caFile, f.keyFile, f.certFile, g.issuer, g.subjectTokenType} {
		e.OnSubmitted = func(string) { f.onSave() }
	}
	f.name.OnSubmitted = func(string) { f.onSave() }
}

// recheck runs e's check again if it shows a message.
func (f *profileForm) recheck(e *formEntry) {
	if e.msg != nil && e.msg.Text != "" {
		f.show(e, e.check(e.Text))
	}
}

// recheckURLs follows the allow-insecure box.
func (f *profileForm) recheckURLs() {
	for _, e := range f.urlEntries() {
		f.recheck(e)
	}
	f.showAllowInsecure()
}

// showAllowInsecure shows the box beside the token URL while some URL
// needs it or it is ticked.
func (f *profileForm) showAllowInsecure() {
	need := f.allowInsecure.Checked
	for _, e := range f.urlEntries() {
		if s := strings.TrimSpace(e.Text); s != "" && model.CheckURL("", s) == nil && !model.SecureTransport(s) {
			need = true
		}
	}
	if need {
		f.allowInsecure.Show()
	} else {
		f.allowInsecure.Hide()
	}
}

// show puts err on e's message line, or clears it.
func (f *profileForm) show(e *formEntry, err error) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	setMessage(e.msg, text)
}

func (f *profileForm) checkName(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return model.ErrNameRequired
	}
	if f.u.file != nil {
		if q, err := f.u.file.ByName(s); err == nil && (f.orig == nil || q.ID != f.orig.ID) {
			return fmt.Errorf("a profile named %q already exists: choose another name", s)
		}
	}
	return nil
}

// checkURL checks a URL field and, for plain http:// to another machine,
// says where the box that allows it is: beside the field (besideBox, the
// token URL's) or under the token URL.
func (f *profileForm) checkURL(what, s string, required, besideBox bool) error {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return nil
	}
	if err := model.CheckURL(what, s); err != nil {
		return err
	}
	if !f.allowInsecure.Checked && !model.SecureTransport(s) {
		where := "allow it under Token URL"
		if besideBox {
			where = "allow it →"
		}
		return fmt.Errorf("sends secrets in clear text: use https://, or %s", where)
	}
	return nil
}

func (f *profileForm) fill(p model.Profile) {
	f.name.SetText(p.Name)
	f.env.SetText(p.Env)
	f.color.SetSelected(colorName(envHex(f.u.file, p.Env)))
	f.tokenURL.SetText(p.TokenURL)
	f.baseURL.SetText(p.BaseURL)
	f.clientID.SetText(p.ClientID)
	f.scopes.SetText(strings.Join(p.Scopes, " "))
	f.style.SetSelectedIndex(slices.Index(model.AuthStyles, p.Style()))
	var lines []string
	for k, vs := range p.Params {
		for _, v := range vs {
			lines = append(lines, k+"="+v)
		}
	}
	slices.Sort(lines)
	f.params.SetText(strings.Join(lines, "\n"))
	f.requestPath.SetText(p.RequestPath)
	if p.TimeoutSeconds > 0 {
		f.timeout.SetText(strconv.Itoa(p.TimeoutSeconds))
	}
	f.notes.SetText(p.Notes)
	f.secretRef.SetText(p.SecretRef)
	f.caFile.SetText(p.CAFile)
	f.probePath.SetText(p.ProbePath)
	f.introspectionURL.SetText(p.IntrospectionURL)
	f.headers.set(p.Headers)
	if p.ClientCert != "" && f.from == nil {
		f.certFile.SetPlaceHolder("leave empty to keep the current certificate")
	}
	f.autoRefresh.SetChecked(p.AutoRefresh)
	f.allowInsecure.SetChecked(p.AllowInsecure)
	f.basicAPI.SetChecked(p.BasicAPI())
	f.fillGrant(p)
	// Which preset it matches, without applying the preset's URLs.
	f.preset.Selected = presets[len(presets)-1].name
	for _, pr := range presets {
		if pr.tokenURL != "" && pr.tokenURL == p.TokenURL && pr.signIn == p.GrantType().SignsIn() {
			f.preset.Selected = pr.name
		}
	}
	f.preset.Refresh()
}

// errFields is a form whose fields say what is wrong with them.
var errFields = errors.New("see the fields marked")

// validate checks every field and shows each one's message; the first
// field with a problem gets the focus (the Advanced section opening for
// it).
func (f *profileForm) validate() bool {
	var first *formEntry
	g := f.grants
	for _, e := range []*formEntry{f.name, f.baseURL, f.tokenURL, g.authorizeURL, g.redirectURI, g.deviceURL, g.revocationURL,
		f.clientID, f.secret, f.params, f.timeout, f.introspectionURL, f.secretRef} {
		err := e.check(e.Text)
		f.show(e, err)
		if err != nil && first == nil {
			first = e
		}
	}
	if first != nil {
		f.focus(first)
		return false
	}
	return true
}

// focus puts the cursor in e, opening the Advanced section if e is in it.
func (f *profileForm) focus(e fyne.Focusable) {
	if o, ok := e.(fyne.CanvasObject); ok && f.inAdvanced(o) {
		f.showAdvanced(true)
	}
	f.u.win.Canvas().Focus(e)
}

// profile reads the form into a profile, or says what is wrong.
func (f *profileForm) profile() (model.Profile, error) {
	var p model.Profile
	switch {
	case f.orig != nil:
		p = *f.orig
	case f.from != nil:
		p = *f.from
	}
	if !f.validate() {
		return p, errFields
	}
	p.Name = strings.TrimSpace(f.name.Text)
	p.Env = strings.TrimSpace(f.env.Text)
	p.TokenURL = strings.TrimSpace(f.tokenURL.Text)
	p.BaseURL = strings.TrimSpace(f.baseURL.Text)
	p.ClientID = strings.TrimSpace(f.clientID.Text)
	p.Scopes = strings.Fields(f.scopes.Text)
	p.AuthStyle = model.AuthStyles[max(f.style.SelectedIndex(), 0)]
	p.Params, _ = core.ParseParams(strings.Split(f.params.Text, "\n")) // checked above
	p.RequestPath = strings.TrimSpace(f.requestPath.Text)
	p.TimeoutSeconds, _ = strconv.Atoi(f.timeout.Text)
	p.Notes = f.notes.Text
	p.CAFile = strings.TrimSpace(f.caFile.Text)
	p.ProbePath = strings.TrimSpace(f.probePath.Text)
	p.AutoRefresh = f.autoRefresh.Checked
	p.AllowInsecure = f.allowInsecure.Checked
	if p.APIAuth = ""; f.basicAPI.Checked {
		p.APIAuth = model.APIBasic
	}
	p.IntrospectionURL = strings.TrimSpace(f.introspectionURL.Text)
	p.SecretRef = strings.TrimSpace(f.secretRef.Text)
	f.readGrant(&p)
	headers, err := f.headers.get()
	if err == nil {
		err = checkHeaders(headers)
	}
	setMessage(f.headersMsg, "")
	if err != nil {
		setMessage(f.headersMsg, err.Error())
		f.showAdvanced(true)
		return p, errFields
	}
	p.Headers = headers
	return p, nil
}

// checkHeaders says what storage would refuse in hs, for the message under
// the headers: a minimal valid profile carrying them is checked.
func checkHeaders(hs []model.Header) error {
	p := model.Profile{Name: "h", TokenURL: "https://h.invalid/", ClientID: "h", Headers: hs}
	return p.Validate()
}

// onSave validates and saves off the UI thread, and closes the form only
// when the profile and its secrets are saved; on failure everything typed
// stays. An edit saves what the person changed, applied to the profile as
// it is saved now, so that a change made elsewhere meanwhile (the CLI) to
// another field survives.
func (f *profileForm) onSave() {
	if !f.save.Disabled() {
		f.problem.Hide()
	}
	p, err := f.profile()
	if err != nil || f.save.Disabled() {
		return
	}
	var c core.Change
	switch {
	case f.orig != nil:
		c = core.Diff(*f.orig, p)
	case f.from != nil:
		c = core.Diff(*f.from, p)
	default:
		c = core.Fields(p)
	}
	c.Secret = f.secret.Text
	if p.SecretRef != "" {
		c.Secret = "" // the reference says where the secret is
	}
	if p.Style().UsesKey() {
		c.Secret = ""
		c.KeyFile = strings.TrimSpace(f.keyFile.Text)
		if path := strings.TrimSpace(f.certFile.Text); path != "" && p.Style() == model.AuthTLS {
			c.CertFile = &path
		}
	}
	// Only a colour the person chose is kept; the default follows the label.
	if i := f.color.SelectedIndex(); i >= 0 && !strings.EqualFold(palette[i].Hex, envHex(f.u.file, p.Env)) {
		c.EnvColor = palette[i].Hex
	}
	known := model.Profile{}
	switch {
	case f.orig != nil:
		known = *f.orig
	case f.from != nil:
		known = *f.from
	}
	if f.from != nil && !p.Style().UsesKey() {
		// A copy keeps no client certificate or secret of its source.
		known.ClientCert = ""
	}
	if err := core.Validate(known, c); err != nil {
		f.fail(err)
		return
	}
	f.save.Disable()
	f.save.SetText("Saving…")
	u := f.u
	go func() {
		var saved core.Saved
		var err error
		switch {
		case f.orig != nil:
			saved, err = u.desk.Edit(*f.orig, c)
		case f.from != nil:
			saved, err = u.desk.Duplicate(f.from.ID, c)
		default:
			saved, err = u.desk.Add(c)
		}
		u.opts.Do(func() {
			f.save.Enable()
			f.save.SetText("Save")
			if errors.Is(err, keys.ErrCertMismatch) {
				err = fmt.Errorf("%w: choose the certificate file that was issued for this key too", err)
			}
			if err != nil {
				f.fail(err)
				return
			}
			f.close()
			u.selected = saved.Profile.ID
			u.Reload()
			u.detail.show(u.current())
			switch {
			case saved.RenamedFrom != "":
				u.say("Saved %s (renamed from %s meanwhile)", saved.Profile.Name, saved.RenamedFrom)
			case f.from != nil:
				u.say("Saved %s, a copy of %s with its own secret", saved.Profile.Name, f.from.Name)
			default:
				u.say("Saved %s", saved.Profile.Name)
			}
			if advice := saved.Made.Advice(saved.Profile); advice != "" {
				dialog.ShowInformation("Register the client's key", wrapText(advice), u.win)
			}
		})
	}()
}

// fail shows err on the field it concerns, or under the form when it
// concerns none.
func (f *profileForm) fail(err error) {
	var taken *core.NameTakenError
	var pe *core.ParamError
	var field *formEntry
	switch {
	case errors.Is(err, model.ErrNameRequired), errors.As(err, &taken):
		field = f.name
	case errors.Is(err, model.ErrInsecureURL):
		field = f.tokenURL
	case errors.Is(err, model.ErrInsecureBaseURL):
		field = f.baseURL
	case errors.Is(err, model.ErrClientIDRequired):
		field = f.clientID
	case errors.Is(err, model.ErrAuthorizeURLRequired):
		field = f.grants.authorizeURL
	case errors.Is(err, model.ErrDeviceURLRequired):
		field = f.grants.deviceURL
	case errors.Is(err, core.ErrSecretRequired):
		field = f.secret
	case errors.As(err, &pe):
		field = f.params
	case errors.Is(err, core.ErrHeaderValueRequired):
		setMessage(f.headersMsg, err.Error())
		f.showAdvanced(true)
		return
	}
	if field != nil {
		f.show(field, err)
		f.focus(field)
		return
	}
	f.problem.Importance = widget.DangerImportance
	f.problem.SetText(err.Error())
	f.problem.Show()
}

func envHex(file *storage.File, env string) string {
	if file != nil {
		if h := file.EnvColors[strings.ToLower(env)]; h != "" {
			return h
		}
	}
	return defaultEnvColor(env)
}

func colorName(hex string) string {
	for _, c := range palette {
		if strings.EqualFold(c.Hex, hex) {
			return c.Name
		}
	}
	return ""
}

// onDiscover fetches the server metadata for the base URL (or the token
// URL's host), fills the token URL and says what the server supports.
func (f *profileForm) onDiscover() {
	base := strings.TrimSpace(f.baseURL.Text)
	if base == "" {
		if u, err := url.Parse(strings.TrimSpace(f.tokenURL.Text)); err == nil && u.Host != "" {
			base = u.Scheme + "://" + u.Host + "/"
		}
	}
	if base == "" {
		f.show(f.baseURL, errors.New("enter the server's base URL (or issuer) first"))
		f.focus(f.baseURL)
		return
	}
	style := model.AuthStyles[max(f.style.SelectedIndex(), 0)]
	grant := f.grants.chosen()
	f.discover.Disable()
	f.discover.SetText("Discovering…")
	u := f.u
	go func() {
		m, err := u.opts.Discover(base)
		u.opts.Do(func() {
			f.discover.Enable()
			f.discover.SetText("Discover")
			if err != nil {
				// The URLs tried, a line each: told where text wraps.
				f.show(f.baseURL, errors.New("discovery found no server metadata (see below)"))
				f.problem.Importance = widget.DangerImportance
				f.problem.SetText("Discover: " + err.Error())
				f.problem.Show()
				return
			}
			f.show(f.baseURL, nil)
			f.tokenURL.SetText(m.TokenEndpoint)
			if m.IntrospectionEndpoint != "" && strings.TrimSpace(f.introspectionURL.Text) == "" {
				f.introspectionURL.SetText(m.IntrospectionEndpoint)
			}
			warnings := f.discovered(m, grant, style)
			f.offerScopes(m.Scopes)
			msg := fmt.Sprintf("Token URL from %s.\nAuth methods: %s. Grant types: %s.", m.Source, listed(m.AuthMethods), listed(m.GrantTypes))
			if len(m.Scopes) > 0 {
				msg += "\nScopes offered: tick them under Scopes."
			}
			if w := warnings; len(w) > 0 {
				msg += "\nWarning: " + strings.Join(w, "; ")
				f.problem.Importance = widget.WarningImportance
			} else {
				f.problem.Importance = widget.MediumImportance
			}
			f.problem.SetText(msg)
			f.problem.Show()
		})
	}()
}

func listed(s []string) string {
	if len(s) == 0 {
		return "not listed"
	}
	return strings.Join(s, ", ")
}
