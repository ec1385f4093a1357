package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// SetupTray puts a menu in the system tray, where the driver has one: each
// profile copies its token (fetching one if needed), "Show window" brings
// the window back. When a tray host is there to show it, closing the
// window hides it instead of quitting; onHide runs first (to save the
// window's size).
func (u *UI) SetupTray(icon fyne.Resource, onHide func()) {
	desk, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	u.tray = desk
	if icon != nil {
		desk.SetSystemTrayIcon(icon)
	}
	u.refreshTray()
	go func() { // a D-Bus round trip: off the UI thread
		if !trayHostPresent() {
			return
		}
		u.opts.Do(func() {
			u.win.SetCloseIntercept(func() {
				if onHide != nil {
					onHide()
				}
				u.win.Hide()
			})
		})
	}()
}

// refreshTray rebuilds the tray menu after the profiles changed.
func (u *UI) refreshTray() {
	if u.tray == nil {
		return
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem("Show window", func() { u.win.Show(); u.win.RequestFocus() })}
	if u.file != nil && len(u.file.Profiles) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
		for _, p := range u.shownAll() {
			items = append(items, fyne.NewMenuItem("Copy token: "+p.Name, func() { u.copyFor(p, copyToken) }))
		}
	}
	u.tray.SetSystemTrayMenu(fyne.NewMenu("Token Desk", items...))
}
