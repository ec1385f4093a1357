package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/dialog"
	"github.com/tokendesk/tokendesk/importer"
)

// onImportMedplum imports the Medplum CLI's client-credentials profiles,
// then offers (never forces) to remove the plain-text secrets it left.
func (u *UI) onImportMedplum() {
	dir := u.opts.MedplumDir
	if dir == "" {
		var err error
		if dir, err = importer.MedplumDir(); err != nil {
			u.showError("find the Medplum CLI's profiles", err)
			return
		}
	}
	u.say("Importing from %s…", dir)
	go func() {
		results, err := u.desk.ImportMedplum(dir, false)
		u.opts.Do(func() {
			if err != nil {
				u.showError("import from the Medplum CLI", err)
				return
			}
			u.Reload()
			var lines []string
			imported := 0
			for _, r := range results {
				if r.Err != nil {
					lines = append(lines, fmt.Sprintf("Skipped %s: %v", r.File, r.Err))
					continue
				}
				if r.Imported {
					imported++
				}
				lines = append(lines, r.Message)
			}
			u.say("Imported %d profile(s) from the Medplum CLI", imported)
			summary := strings.Join(lines, "\n")
			if imported == 0 {
				dialog.ShowInformation("Import from the Medplum CLI", summary, u.win)
				return
			}
			d := dialog.NewConfirm("Import from the Medplum CLI", summary+
				"\n\nThe Medplum CLI's files still hold these secrets in plain text.\nRemove them from the files now? (The keychain has them.)",
				func(ok bool) {
					if ok {
						u.removeMedplumSecrets(dir)
					}
				}, u.win)
			d.SetConfirmText("Remove plain-text secrets")
			d.SetDismissText("Keep the files as they are")
			d.Show()
		})
	}()
}

func (u *UI) removeMedplumSecrets(dir string) {
	go func() {
		results, err := u.desk.ImportMedplum(dir, true)
		u.opts.Do(func() {
			if err != nil {
				u.showError("remove the plain-text secrets", err)
				return
			}
			removed := 0
			for _, r := range results {
				if r.SecretRemoved {
					removed++
				}
			}
			u.say("Removed the plain-text secret from %d Medplum CLI file(s)", removed)
		})
	}()
}
