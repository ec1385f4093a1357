package ui

import (
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/model"
)

// onExportProfiles saves every profile's settings (never a secret) to a
// file a person picks, to share with teammates.
func (u *UI) onExportProfiles() {
	if u.file == nil || len(u.file.Profiles) == 0 {
		u.say("No profiles to export")
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if err := u.exportProfilesTo(w); err != nil {
			u.showError("export profiles", err)
			return
		}
		u.say("Exported %d profile(s) to %s — settings only, no secrets", len(u.file.Profiles), w.URI().Path())
	}, u.win)
	d.SetFileName("tokendesk-profiles.json")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	d.Show()
}

func (u *UI) exportProfilesTo(w io.Writer) error {
	data, err := u.desk.Export()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// onImportProfiles adds the profiles of a shared file.
func (u *UI) onImportProfiles() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		u.importProfilesFrom(r)
	}, u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	d.Show()
}

func (u *UI) importProfilesFrom(r io.Reader) {
	added, skipped, notes, err := u.desk.ImportShared(r)
	if err != nil {
		u.showError("import profiles", err)
		return
	}
	u.Reload()
	msg := "Imported " + strings.Join(added, ", ")
	if len(added) == 0 {
		msg = "Imported nothing"
	}
	if len(skipped) > 0 {
		msg += "; skipped " + strings.Join(skipped, ", ")
	}
	if len(added) > 0 {
		msg += " — enter each one's secret with Edit"
	}
	u.say("%s", msg)
	if len(notes) > 0 {
		u.showDialog(dialog.NewInformation("Secret references not imported",
			wrapText(strings.Join(notes, "\n\n")), u.win))
	}
}

// onExportPostman saves a Postman environment for the selected profile,
// with its current token (fetched first if needed) but not its secret.
func (u *UI) onExportPostman() {
	p := u.current()
	if p == nil {
		return
	}
	prof := *p
	u.fetch(prof, false, func(t *model.Token) {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			if err := u.exportPostmanTo(prof, t, w); err != nil {
				u.showError("export for Postman", err)
				return
			}
			u.say("Saved a Postman environment for %s to %s (token included; no client secret)", prof.Name, w.URI().Path())
		}, u.win)
		d.SetFileName(prof.Name + ".postman_environment.json")
		d.Show()
	})
}

func (u *UI) exportPostmanTo(p model.Profile, t *model.Token, w io.Writer) error {
	data, err := importer.Postman([]importer.PostmanEntry{{Profile: p, Token: t}}, u.opts.Now())
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
