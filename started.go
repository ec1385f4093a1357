//go:build !probe

package main

import (
	"fyne.io/fyne/v2"
	"github.com/tokendesk/tokendesk/ui"
)

// onStarted reads the cached tokens once the app's main loop has started.
// Probe builds (-tags probe, started_probe.go) also answer the benchmarks
// and the integration tests.
func onStarted(a fyne.App, u *ui.UI) {
	a.Lifecycle().SetOnStarted(u.Preload)
}
