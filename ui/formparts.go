package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/model"
)

// styleChoices are the auth style select's options, in storage.AuthStyles
// order.
func styleChoices() []string {
	out := make([]string, len(model.AuthStyles))
	for i, s := range model.AuthStyles {
		out[i] = styleChoice(s)
	}
	return out
}

func styleChoice(s model.AuthStyle) string {
	switch s {
	case model.AuthHeader:
		return "header (client_secret_basic)"
	case model.AuthBody:
		return "body (client_secret_post)"
	case model.AuthPrivateKeyJWT:
		return "private_key_jwt (JWT signed with a key, no secret)"
	case model.AuthClientSecretJWT:
		return "client_secret_jwt (JWT signed with the secret)"
	case model.AuthTLS:
		return "tls_client_auth (client certificate, also self-signed)"
	case model.AuthNone:
		return "none (public client: no secret; sign-in grants only)"
	}
	return "auto (Basic, then form body)"
}

// grantChoice is how the form's grant select names g.
func grantChoice(g model.Grant) string {
	switch g {
	case model.GrantAuthorizationCode:
		return "authorization_code (sign in with the browser, PKCE)"
	case model.GrantDeviceCode:
		return "device_code (sign in with a code on another device)"
	case model.GrantTokenExchange:
		return "token_exchange (trade another profile's token)"
	}
	return "client_credentials (the client's own token)"
}

// grantChoices names grants for the grant select.
func grantChoices(gs []model.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = grantChoice(g)
	}
	return out
}

// grantFields are the form's fields that only some grants use, with
// their rows (label and field) to show or hide.
type grantFields struct {
	// offered are the grants the select offers: all of them, or those the
	// server's metadata lists.
	offered                                []model.Grant
	grant                                  *formSelect
	authorizeURL, deviceURL, revocationURL *formEntry
	issuer, redirectURI, subjectTokenType  *formEntry
	subject                                *formSelect // the subject token's profile
	authorizeRow, redirectRow, deviceRow   []fyne.CanvasObject
	subjectRow, subjectTypeRow, signInRows []fyne.CanvasObject
}

// chosen is the grant selected.
func (g *grantFields) chosen() model.Grant {
	if i := g.grant.SelectedIndex(); i >= 0 && i < len(g.offered) {
		return g.offered[i]
	}
	return model.GrantClientCredentials
}

// offer makes the select offer gs, keeping the grant chosen when it is
// among them.
func (g *grantFields) offer(gs []model.Grant) {
	if len(gs) == 0 {
		gs = model.Grants
	}
	was := g.chosen()
	g.offered = gs
	g.grant.Options = grantChoices(gs)
	i := slices.Index(gs, was)
	if i < 0 {
		i = 0
	}
	g.grant.SetSelectedIndex(i) // shows its fields
	g.grant.Refresh()
}

// show shows the rows the chosen grant needs.
func (g *grantFields) show() {
	grant := g.chosen()
	rows := func(objs []fyne.CanvasObject, on bool) {
		for _, o := range objs {
			setVisible(o, on)
		}
	}
	rows(g.authorizeRow, grant == model.GrantAuthorizationCode)
	rows(g.redirectRow, grant == model.GrantAuthorizationCode)
	rows(g.deviceRow, grant == model.GrantDeviceCode)
	rows(g.subjectRow, grant == model.GrantTokenExchange)
	rows(g.subjectTypeRow, grant == model.GrantTokenExchange)
	rows(g.signInRows, grant.SignsIn())
}

// subjectChoices are the profiles a token exchange can take its subject
// token from: every other one, by name.
func subjectChoices(ps []model.Profile, self string) []string {
	var out []string
	for _, p := range ps {
		if p.ID != self || self == "" {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// headerEditor edits a profile's extra headers: a row each of name, value
// and whether the token request gets it too.
type headerEditor struct {
	keys *formKeys
	box  *fyne.Container
	rows *fyne.Container
	list []*headerRow // in the order shown
	// focus puts the cursor in a new row's name; nil does nothing.
	focus func(fyne.Focusable)
}

type headerRow struct {
	name, value   *formEntry
	token, secret *widget.Check
	row           *fyne.Container
	// keptName: the secret header being edited, whose value is in the
	// keychain and stays there while the value entry is left blank.
	keptName string
}

func newHeaderEditor(keys *formKeys) *headerEditor {
	e := &headerEditor{keys: keys, rows: container.NewVBox()}
	add := newRingButton(keys, "Add header", widget.LowImportance, func() {
		r := e.add(model.Header{})
		if e.focus != nil {
			e.focus(r.name)
		}
	})
	add.Icon = theme.ContentAddIcon()
	note := widget.NewLabel("Sent with the copied curl/HTTPie commands and Test; \"token request\" ones on the token request too. A secret header's value (an API key) is kept in the keychain, not the profiles file.")
	note.Importance = widget.LowImportance
	note.Wrapping = fyne.TextWrapWord
	e.box = container.NewVBox(e.rows, container.NewHBox(add), note)
	return e
}

func (e *headerEditor) add(h model.Header) *headerRow {
	r := &headerRow{name: newFormEntry(e.keys, "X-Medplum", false), value: newFormEntry(e.keys, "extended", false), token: widget.NewCheck("token request", nil)}
	r.name.SetText(h.Name)
	r.token.SetChecked(h.TokenRequest)
	r.secret = widget.NewCheck("secret", func(on bool) {
		r.value.Password = on
		switch {
		case on && r.keptName != "":
			r.value.SetPlaceHolder("unchanged")
		case on:
			r.value.SetPlaceHolder("secret value")
		default:
			r.value.SetPlaceHolder("extended")
		}
		r.value.Refresh()
	})
	if h.Secret {
		r.keptName = h.Name
	}
	r.secret.SetChecked(h.Secret) // a secret value is never loaded into the form
	if !h.Secret {
		r.value.SetText(h.Value)
	}
	remove := newRingButton(e.keys, "", widget.LowImportance, nil)
	remove.Icon = theme.DeleteIcon()
	r.row = container.NewBorder(nil, nil, nil, container.NewHBox(r.token, r.secret, remove),
		container.NewGridWithColumns(2, r.name, r.value))
	remove.OnTapped = func() {
		e.rows.Remove(r.row)
		e.list = slices.DeleteFunc(e.list, func(x *headerRow) bool { return x == r })
	}
	e.rows.Add(r.row)
	e.list = append(e.list, r)
	return r
}

// forgetKept makes the row ask for its secret value again: the value in
// the keychain belongs to another profile (the one duplicated).
func (r *headerRow) forgetKept() {
	r.keptName = ""
	if r.secret.Checked {
		r.value.SetPlaceHolder("secret value")
	}
}

func (e *headerEditor) set(hs []model.Header) {
	e.rows.RemoveAll()
	e.list = nil
	for _, h := range hs {
		e.add(h)
	}
}

// get reads the rows; rows with neither name nor value are skipped.
func (e *headerEditor) get() ([]model.Header, error) {
	var out []model.Header
	for _, r := range e.list {
		name, value := r.name.Text, r.value.Text
		if strings.TrimSpace(name+value) == "" {
			continue
		}
		h, err := model.ParseHeader(name + ":" + value)
		if err != nil {
			return nil, err // names the header, never its value
		}
		h.TokenRequest = r.token.Checked
		h.Secret = r.secret.Checked
		if h.Secret && h.Value == "" && h.Name != r.keptName {
			return nil, fmt.Errorf("header %s: enter its value (it is kept in the keychain)", h.Name)
		}
		out = append(out, h)
	}
	return out, nil
}

// offerScopes shows the scopes the server offers as ticks beside the free
// text, ticked where the text already has them.
func (f *profileForm) offerScopes(offered []string) {
	if len(offered) == 0 {
		f.scopePick.Hide()
		return
	}
	f.scopePick.Options = offered
	var have []string
	for _, s := range strings.Fields(f.scopes.Text) {
		if slices.Contains(offered, s) {
			have = append(have, s)
		}
	}
	f.scopePick.Selected = have
	f.scopePick.Show()
	f.scopePick.Refresh()
}

// onScopePick rewrites the scope text: the free-text scopes the server
// does not list stay, then the ticked ones in the server's order.
func (f *profileForm) onScopePick(picked []string) {
	var scopes []string
	for _, s := range strings.Fields(f.scopes.Text) {
		if !slices.Contains(f.scopePick.Options, s) {
			scopes = append(scopes, s)
		}
	}
	for _, s := range f.scopePick.Options {
		if slices.Contains(picked, s) {
			scopes = append(scopes, s)
		}
	}
	f.scopes.SetText(strings.Join(scopes, " "))
}

// wrapText breaks s into lines of about 72 characters, for dialogs whose
// label does not wrap.
func wrapText(s string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(w) > 72 {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// onGrant shows the fields the chosen grant needs.
func (f *profileForm) onGrant() {
	f.grants.show()
	for _, e := range []*formEntry{f.grants.authorizeURL, f.grants.deviceURL, f.grants.revocationURL, f.grants.redirectURI} {
		f.recheck(e)
	}
}

// urlEntries are the form's URL fields, whose plain http:// the
// allow-insecure box allows.
func (f *profileForm) urlEntries() []*formEntry {
	g := f.grants
	return []*formEntry{f.tokenURL, f.baseURL, f.introspectionURL, g.authorizeURL, g.deviceURL, g.revocationURL}
}

// fillGrant shows p's grant and its fields.
func (f *profileForm) fillGrant(p model.Profile) {
	g := f.grants
	g.authorizeURL.SetText(p.AuthorizeURL)
	g.deviceURL.SetText(p.DeviceURL)
	g.revocationURL.SetText(p.RevocationURL)
	g.issuer.SetText(p.Issuer)
	g.redirectURI.SetText(p.RedirectURI)
	g.subjectTokenType.SetText(p.SubjectTokenType)
	if f.u.file != nil {
		if q, err := f.u.file.ByID(p.SubjectProfile); err == nil {
			g.subject.SetSelected(q.Name)
		}
	}
	g.grant.SetSelectedIndex(max(slices.Index(g.offered, p.GrantType()), 0))
	g.show()
}

// readGrant sets p's grant and the fields it uses; the fields of other
// grants are cleared, so that no hidden value is saved.
func (f *profileForm) readGrant(p *model.Profile) {
	g := f.grants
	grant := g.chosen()
	p.Grant = grant
	if grant == model.GrantClientCredentials {
		p.Grant = "" // the default, as the CLI saves it
	}
	text := func(e *formEntry, on bool) string {
		if !on {
			return ""
		}
		return strings.TrimSpace(e.Text)
	}
	code, device, exchange := grant == model.GrantAuthorizationCode, grant == model.GrantDeviceCode, grant == model.GrantTokenExchange
	p.AuthorizeURL = text(g.authorizeURL, code)
	p.RedirectURI = text(g.redirectURI, code)
	if p.RedirectURI != "" || !code {
		p.RedirectPort = 0
	}
	p.DeviceURL = text(g.deviceURL, device)
	p.RevocationURL = text(g.revocationURL, grant.SignsIn())
	p.Issuer = text(g.issuer, grant.SignsIn())
	p.SubjectTokenType = text(g.subjectTokenType, exchange)
	p.SubjectProfile = ""
	if exchange && f.u.file != nil {
		if q, err := f.u.file.ByName(g.subject.Selected); err == nil {
			p.SubjectProfile = q.ID
		}
	}
}

// medplumSignIn fills the Medplum sign-in preset (importer.MedplumSignIn)
// at the base URL typed, or Medplum's cloud: the authorization code grant
// with PKCE, as a public client, redirected to the exact URI registered
// for the client (Medplum matches it against the ClientApplication's).
func (f *profileForm) medplumSignIn() {
	mp := importer.MedplumSignIn("", "", strings.TrimSpace(f.clientID.Text))
	g := f.grants
	g.grant.SetSelectedIndex(slices.Index(g.offered, model.GrantAuthorizationCode))
	g.authorizeURL.SetText(mp.AuthorizeURL)
	g.redirectURI.SetText(mp.RedirectURI)
	f.clientID.SetText(mp.ClientID)
	f.style.SetSelectedIndex(slices.Index(model.AuthStyles, mp.Style()))
	if strings.TrimSpace(f.scopes.Text) == "" {
		f.scopes.SetText(strings.Join(mp.Scopes, " "))
	}
}

// discovered fills the endpoints the chosen grant needs from the server's
// metadata, where the form has none, offers only the grants the server
// lists, and returns what does not fit.
func (f *profileForm) discovered(m *auth.Metadata, grant model.Grant, style model.AuthStyle) []string {
	g := f.grants
	p := model.Profile{Grant: grant, AuthorizeURL: strings.TrimSpace(g.authorizeURL.Text), DeviceURL: strings.TrimSpace(g.deviceURL.Text),
		RevocationURL: strings.TrimSpace(g.revocationURL.Text), Issuer: strings.TrimSpace(g.issuer.Text)}
	m.Fill(&p)
	// The endpoints of grants not chosen yet, for a later choice.
	if p.AuthorizeURL == "" {
		p.AuthorizeURL = m.AuthorizationEndpoint
	}
	if p.DeviceURL == "" {
		p.DeviceURL = m.DeviceEndpoint
	}
	g.authorizeURL.SetText(p.AuthorizeURL)
	g.deviceURL.SetText(p.DeviceURL)
	g.revocationURL.SetText(p.RevocationURL)
	g.issuer.SetText(p.Issuer)
	g.offer(m.Grants())
	warnings := m.Warnings(g.chosen(), style)
	return warnings
}

// fileProfiles is every profile loaded, or none.
func (u *UI) fileProfiles() []model.Profile {
	if u.file == nil {
		return nil
	}
	return u.file.Profiles
}

// idOf is p's ID, or "" for none.
func idOf(p *model.Profile) string {
	if p == nil {
		return ""
	}
	return p.ID
}
