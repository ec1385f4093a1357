package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
)

// rowName is a profile's name as the list shows it: a team profile's is
// marked with its team file, and whether that waits to be allowed.
func rowName(p model.Profile) string {
	if p.Team == "" {
		return p.Name
	}
	name := p.Name + "  · team " + filepath.Base(p.Team)
	switch p.TeamTrust {
	case model.TrustNone:
		name += " (not allowed)"
	case model.TrustChanged:
		name += " (changed: allow again)"
	}
	return name
}

// refNote says where a profile's secret comes from when it is a
// reference: "from 1Password (op://…)"; empty for the keychain.
func refNote(p model.Profile) string {
	if p.SecretRef == "" {
		return ""
	}
	r, err := secretref.Parse(p.SecretRef)
	if err != nil {
		return "from an unreadable reference: " + err.Error()
	}
	return secretref.Describe(r) + " (" + r.String() + "), held in memory only"
}

// teamRows are the settings rows that say a profile is a team's.
func teamRows(p model.Profile) [][2]string {
	if p.Team == "" {
		return nil
	}
	return [][2]string{{"Team file", p.Team + " — read-only here; Duplicate makes your own copy"}}
}

// refuseTeamEdit tells, instead of opening the form, that the selected
// profile belongs to its team file; it says whether it did.
func (u *UI) refuseTeamEdit() bool {
	p := u.current()
	if p == nil || p.Team == "" {
		return false
	}
	msg := widget.NewLabel(fmt.Sprintf("%q comes from the team file %s and is read-only here: change it in the team's repository, or duplicate it to make a profile of your own (its secret, if it comes from a reference, from the same one: nothing to type).", p.Name, p.Team))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Team profile", "Duplicate", "Close", msg, func(dup bool) {
		if dup {
			u.onDuplicate()
		}
	}, u.win)
	d.Resize(fyne.NewSize(480, 220))
	u.showDialog(d)
	return true
}

// sayTeam puts in the status bar what the team files held that a person
// should know — a file refused (one holding a secret, say), a profile
// hidden or left out — and logs each.
func (u *UI) sayTeam(f *storage.File) {
	var msgs []string
	for _, err := range f.Team.Errs {
		fyne.LogError("team file", err)
		msgs = append(msgs, err.Error())
	}
	for _, tf := range f.Team.Files {
		if tf.Err == nil && tf.Trust != model.TrustAllowed {
			msgs = append(msgs, trustNotice(tf)+" Select one of its profiles to review and allow it.")
		}
	}
	msgs = append(msgs, f.Team.Notes...)
	switch len(msgs) {
	case 0:
	case 1:
		u.say("%s", msgs[0])
	default:
		u.say("%s (and %d more notes about team files: tokendesk list shows them)", msgs[0], len(msgs)-1)
	}
}
