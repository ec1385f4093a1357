package ui

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/storage"
)

// A preset fills the URLs of a well-known server.
type preset struct {
	name, tokenURL, baseURL string
	// path is the request and probe path the server answers about the
	// token's own client (Medplum's auth/me); empty fills none.
	path string
}

var presets = []preset{
	{"Medplum cloud", "https://api.medplum.com/oauth2/token", "https://api.medplum.com/", "auth/me"},
	{"Medplum local (port 8103)", "http://localhost:8103/oauth2/token", "http://localhost:8103/", "auth/me"},
	{"Custom", "", "", ""},
}

// profileForm is the add/edit dialog.
type profileForm struct {
	u    *UI
	orig *storage.Profile // nil when adding
	dlg  *dialog.CustomDialog

	preset                                         *widget.Select
	name, env, tokenURL, baseURL, clientID, secret *widget.Entry
	scopes, params, requestPath, timeout, notes    *widget.Entry
	caFile, probePath, keyFile                     *widget.Entry
	certFile, introspectionURL                     *widget.Entry
	credItem                                       *widget.FormItem
	form                                           *widget.Form
	headers                                        *headerEditor
	scopePick                                      *widget.CheckGroup
	color, style                                   *widget.Select
	autoRefresh, allowInsecure                     *widget.Check
	basicAPI                                       *widget.Check // API calls use Basic auth
	problem                                        *widget.Label
	discover                                       *widget.Button
	save                                           *widget.Button
}

func (u *UI) onAdd() { u.openForm(nil) }

func (u *UI) onEdit() {
	if p := u.current(); p != nil {
		u.openForm(p)
	}
}

// openForm shows the add/edit form; p nil adds a profile.
func (u *UI) openForm(p *storage.Profile) {
	f := &profileForm{u: u, orig: p}
	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		return e
	}
	f.name = entry("e.g. medplum-prod")
	f.env = entry("local, staging, prod…")
	f.tokenURL = entry("https://…/oauth2/token")
	f.baseURL = entry("https://api.example.com/ (for copied curl commands)")
	f.clientID = entry("")
	f.secret = widget.NewPasswordEntry()
	f.scopes = entry("space-separated, e.g. openid system/*.read")
	f.params = widget.NewMultiLineEntry()
	f.params.SetPlaceHolder("one per line: audience=https://…")
	f.params.SetMinRowsVisible(2)
	f.requestPath = entry("e.g. fhir/R4/Patient or auth/me")
	f.timeout = entry("30")
	f.notes = entry("")
	f.caFile = entry("PEM file of a dev server's own CA (optional)")
	f.probePath = entry("what Test calls, e.g. auth/me")
	f.keyFile = entry("PEM private key file; empty keeps the stored key or generates one")
	f.certFile = entry("PEM certificate file; empty makes a self-signed one")
	f.introspectionURL = entry("RFC 7662 endpoint for Inspect; empty: from the server's metadata")
	f.headers = newHeaderEditor()
	f.headers.focus = u.win.Canvas().Focus
	f.scopePick = widget.NewCheckGroup(nil, f.onScopePick)
	f.scopePick.Horizontal = true
	f.scopePick.Hide()
	colors := make([]string, len(palette))
	for i, c := range palette {
		colors[i] = c.Name
	}
	f.color = widget.NewSelect(colors, nil)
	f.style = widget.NewSelect(styleChoices(), nil)
	f.style.SetSelectedIndex(0)
	f.autoRefresh = widget.NewCheck("Fetch a new token before expiry", nil)
	f.allowInsecure = widget.NewCheck("Allow plain http:// to a non-loopback host (sends the secret in clear text)", nil)
	f.basicAPI = widget.NewCheck("API calls use Basic auth (client ID and secret, no token: Medplum's On-Behalf-Of)", nil)
	f.problem = widget.NewLabel("")
	f.problem.Importance = widget.DangerImportance
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Hide()
	f.preset = widget.NewSelect(names(presets), f.onPreset)
	f.discover = &widget.Button{Text: "Discover", OnTapped: f.onDiscover}
	f.discover.ExtendBaseWidget(f.discover)
	f.env.OnChanged = func(env string) { f.color.SetSelected(colorName(envHex(u.file, env))) }

	f.name.Validator = f.checkName
	f.tokenURL.Validator = func(s string) error { return storage.CheckURL("token URL", strings.TrimSpace(s)) }
	f.baseURL.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return storage.CheckURL("base URL", strings.TrimSpace(s))
	}
	f.clientID.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return storage.ErrClientIDRequired
		}
		return nil
	}
	f.timeout.Validator = func(s string) error {
		if s == "" {
			return nil
		}
		if n, err := strconv.Atoi(s); err != nil || n < 1 {
			return errors.New("seconds, a whole number above 0")
		}
		return nil
	}

	title := "Add profile"
	if p != nil {
		title = "Edit " + p.Name
		f.fill(*p)
		f.secret.SetPlaceHolder("leave empty to keep the stored secret")
	} else {
		f.preset.SetSelectedIndex(len(presets) - 1)
		f.secret.SetPlaceHolder("stored in the keychain")
		f.color.SetSelected(colorName(envHex(u.file, "")))
	}
	// One row for the credential, whose entries follow the auth style: a
	// secret, a private key, or a key and a certificate.
	f.credItem = widget.NewFormItem("Client secret", container.NewVBox(f.secret, f.keyFile, f.certFile))
	form := widget.NewForm(
		widget.NewFormItem("Preset", f.preset),
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Environment", container.NewBorder(nil, nil, nil, f.color, f.env)),
		widget.NewFormItem("Token URL", f.tokenURL),
		widget.NewFormItem("Base URL", container.NewBorder(nil, nil, nil, f.discover, f.baseURL)),
		widget.NewFormItem("Client ID", f.clientID),
		f.credItem,
		widget.NewFormItem("Scopes", container.NewVBox(f.scopes, f.scopePick)),
		widget.NewFormItem("Auth style", f.style),
		widget.NewFormItem("", f.basicAPI),
		widget.NewFormItem("Parameters", f.params),
		widget.NewFormItem("Request path", f.requestPath),
		widget.NewFormItem("Probe path", f.probePath),
		widget.NewFormItem("Timeout (s)", f.timeout),
		widget.NewFormItem("CA file", f.caFile),
		widget.NewFormItem("Introspection URL", f.introspectionURL),
		widget.NewFormItem("Headers", f.headers.box),
		widget.NewFormItem("Notes", f.notes),
		widget.NewFormItem("", f.autoRefresh),
		widget.NewFormItem("", f.allowInsecure),
	)
	cancel := &widget.Button{Text: "Cancel", OnTapped: func() { f.dlg.Hide() }}
	cancel.ExtendBaseWidget(cancel)
	f.save = &widget.Button{Text: "Save", Importance: widget.HighImportance, OnTapped: f.onSave}
	f.save.ExtendBaseWidget(f.save)
	f.form = form
	f.style.OnChanged = func(string) { f.onStyle() }
	f.onStyle()
	f.dlg = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, f.problem, nil, nil, container.NewVScroll(form)), u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{cancel, f.save})
	f.dlg.Resize(fyne.NewSize(720, 680))
	f.dlg.Show()
	u.form = f
	u.win.Canvas().Focus(f.name)
}

// onStyle shows the credential entries the chosen auth style needs.
func (f *profileForm) onStyle() {
	style := storage.AuthStyles[max(f.style.SelectedIndex(), 0)]
	label := "Client secret"
	f.secret.Show()
	f.keyFile.Hide()
	f.certFile.Hide()
	switch style {
	case storage.AuthPrivateKeyJWT:
		label = "Private key"
		f.secret.Hide()
		f.keyFile.Show()
	case storage.AuthTLS:
		label = "Key, certificate"
		f.secret.Hide()
		f.keyFile.Show()
		f.certFile.Show()
	}
	if f.form != nil && f.credItem.Text != label {
		f.credItem.Text = label
		f.form.Refresh()
	}
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
		if p.name == name && p.tokenURL != "" {
			f.tokenURL.SetText(p.tokenURL)
			f.baseURL.SetText(p.baseURL)
			if p.path != "" && f.requestPath.Text == "" {
				f.requestPath.SetText(p.path)
			}
			if p.path != "" && f.probePath.Text == "" {
				f.probePath.SetText(p.path)
			}
		}
	}
}

func (f *profileForm) checkName(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return storage.ErrNameRequired
	}
	if f.u.file != nil {
		if q, err := f.u.file.ByName(s); err == nil && (f.orig == nil || q.ID != f.orig.ID) {
			return fmt.Errorf("a profile named %q already exists", s)
		}
	}
	return nil
}

func (f *profileForm) fill(p storage.Profile) {
	f.name.SetText(p.Name)
	f.env.SetText(p.Env)
	f.color.SetSelected(colorName(envHex(f.u.file, p.Env)))
	f.tokenURL.SetText(p.TokenURL)
	f.baseURL.SetText(p.BaseURL)
	f.clientID.SetText(p.ClientID)
	f.scopes.SetText(strings.Join(p.Scopes, " "))
	f.style.SetSelectedIndex(slices.Index(storage.AuthStyles, p.Style()))
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
	f.caFile.SetText(p.CAFile)
	f.probePath.SetText(p.ProbePath)
	f.introspectionURL.SetText(p.IntrospectionURL)
	f.headers.set(p.Headers)
	if p.ClientCert != "" {
		f.certFile.SetPlaceHolder("leave empty to keep the current certificate")
	}
	f.autoRefresh.SetChecked(p.AutoRefresh)
	f.allowInsecure.SetChecked(p.AllowInsecure)
	f.basicAPI.SetChecked(p.BasicAPI())
	f.preset.SetSelectedIndex(len(presets) - 1)
	for i, pr := range presets {
		if pr.tokenURL != "" && pr.tokenURL == p.TokenURL {
			f.preset.SetSelectedIndex(i)
		}
	}
}

// profile reads the form into a profile, or says what is wrong.
func (f *profileForm) profile() (storage.Profile, error) {
	var p storage.Profile
	if f.orig != nil {
		p = *f.orig
	}
	for _, e := range []*widget.Entry{f.name, f.tokenURL, f.baseURL, f.clientID, f.timeout, f.introspectionURL} {
		if err := e.Validate(); err != nil {
			f.u.win.Canvas().Focus(e)
			return p, err
		}
	}
	p.Name = strings.TrimSpace(f.name.Text)
	p.Env = strings.TrimSpace(f.env.Text)
	p.TokenURL = strings.TrimSpace(f.tokenURL.Text)
	p.BaseURL = strings.TrimSpace(f.baseURL.Text)
	p.ClientID = strings.TrimSpace(f.clientID.Text)
	p.Scopes = strings.Fields(f.scopes.Text)
	p.AuthStyle = storage.AuthStyles[max(f.style.SelectedIndex(), 0)]
	params, err := core.ParseParams(strings.Split(f.params.Text, "\n"))
	var pe *core.ParamError
	if errors.As(err, &pe) {
		return p, fmt.Errorf("parameter line %d %q: want key=value", pe.Line, pe.Text)
	}
	p.Params = params
	p.RequestPath = strings.TrimSpace(f.requestPath.Text)
	p.TimeoutSeconds, _ = strconv.Atoi(f.timeout.Text)
	p.Notes = f.notes.Text
	p.CAFile = strings.TrimSpace(f.caFile.Text)
	p.ProbePath = strings.TrimSpace(f.probePath.Text)
	p.AutoRefresh = f.autoRefresh.Checked
	p.AllowInsecure = f.allowInsecure.Checked
	if p.APIAuth = ""; f.basicAPI.Checked {
		p.APIAuth = storage.APIBasic
	}
	p.IntrospectionURL = strings.TrimSpace(f.introspectionURL.Text)
	headers, err := f.headers.get()
	if err != nil {
		return p, err
	}
	p.Headers = headers
	if f.orig == nil && f.secret.Text == "" && !p.Style().UsesKey() {
		f.u.win.Canvas().Focus(f.secret)
		return p, core.ErrSecretRequired
	}
	return p, nil
}

// onSave validates and saves off the UI thread, and closes the form only
// when the profile and its secrets are saved; on failure everything typed
// stays. An edit saves what the person changed, applied to the profile as
// it is saved now, so that a change made elsewhere meanwhile (the CLI) to
// another field survives.
func (f *profileForm) onSave() {
	p, err := f.profile()
	if err != nil {
		f.fail(err)
		return
	}
	var c core.Change
	if f.orig == nil {
		c = core.Fields(p)
	} else {
		c = core.Diff(*f.orig, p)
	}
	c.Secret = f.secret.Text
	if p.Style().UsesKey() {
		c.Secret = ""
		c.KeyFile = strings.TrimSpace(f.keyFile.Text)
		if path := strings.TrimSpace(f.certFile.Text); path != "" && p.Style() == storage.AuthTLS {
			c.CertFile = &path
		}
	}
	// Only a colour the person chose is kept; the default follows the label.
	if i := f.color.SelectedIndex(); i >= 0 && !strings.EqualFold(palette[i].Hex, envHex(f.u.file, p.Env)) {
		c.EnvColor = palette[i].Hex
	}
	known := storage.Profile{}
	if f.orig != nil {
		known = *f.orig
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
		if f.orig == nil {
			saved, err = u.desk.Add(c)
		} else {
			saved, err = u.desk.Edit(*f.orig, c)
		}
		u.opts.Do(func() {
			f.save.Enable()
			f.save.SetText("Save")
			if errors.Is(err, auth.ErrCertMismatch) {
				err = fmt.Errorf("%w: choose the certificate file that was issued for this key too", err)
			}
			if err != nil {
				f.fail(err)
				return
			}
			f.dlg.Hide()
			u.form = nil
			u.selected = saved.Profile.ID
			u.Reload()
			u.detail.show(u.current())
			if saved.RenamedFrom != "" {
				u.say("Saved %s (renamed from %s meanwhile)", saved.Profile.Name, saved.RenamedFrom)
			} else {
				u.say("Saved %s", saved.Profile.Name)
			}
			if advice := saved.Made.Advice(saved.Profile); advice != "" {
				dialog.ShowInformation("Register the client's key", wrapText(advice), u.win)
			}
		})
	}()
}

func (f *profileForm) fail(err error) {
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
		f.fail(errors.New("enter the server's base URL (or issuer) first"))
		return
	}
	style := storage.AuthStyles[max(f.style.SelectedIndex(), 0)]
	f.discover.Disable()
	f.discover.SetText("Discovering…")
	u := f.u
	go func() {
		m, err := u.opts.Discover(base)
		u.opts.Do(func() {
			f.discover.Enable()
			f.discover.SetText("Discover")
			if err != nil {
				f.fail(err)
				return
			}
			f.tokenURL.SetText(m.TokenEndpoint)
			if m.IntrospectionEndpoint != "" && strings.TrimSpace(f.introspectionURL.Text) == "" {
				f.introspectionURL.SetText(m.IntrospectionEndpoint)
			}
			f.offerScopes(m.Scopes)
			msg := fmt.Sprintf("Token URL from %s.\nAuth methods: %s. Grant types: %s.", m.Source, listed(m.AuthMethods), listed(m.GrantTypes))
			if len(m.Scopes) > 0 {
				msg += "\nScopes offered: tick them under Scopes."
			}
			if w := m.Warnings(style); len(w) > 0 {
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
