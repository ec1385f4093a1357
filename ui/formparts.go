package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
	}
	return "auto (Basic, then form body)"
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
