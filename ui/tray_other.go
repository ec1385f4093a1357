//go:build !linux

package ui

// trayHostPresent: Windows and macOS always have a tray (menu bar).
func trayHostPresent() bool { return true }
