package ui

import "github.com/godbus/dbus/v5"

// trayHostPresent says whether a StatusNotifier host (the tray of KDE,
// GNOME's AppIndicator extension, XFCE…) is on the session bus; without one
// a hidden window could not be brought back.
func trayHostPresent() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
