package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// SetupTray puts a menu in the system tray when a tray host is there to
// show it: each profile copies its token (fetching one if needed), "Show
// window" brings the window back, and closing the window hides it instead
// of quitting; onHide runs first (to save the window's size). Without a
// host (a bare X server, a desktop without StatusNotifier support) nothing
// is registered: a window hidden there could not be brought back, and
// Fyne's systray crashes on quit after a failed registration.
func (u *UI) SetupTray(icon fyne.Resource, onHide func()) {
	desk, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	go func() { // a D-Bus round trip: off the UI thread
		if !trayHostPresent() {
			return
		}
		u.opts.Do(func() {
			u.tray = desk
			if icon != nil {
				desk.SetSystemTrayIcon(icon)
			}
			u.refreshTray()
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
