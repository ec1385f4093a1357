//go:build bench

package main

import (
	"fyne.io/fyne/v2"
	"github.com/tokendesk/tokendesk/internal/probe"
)

// onStarted runs f once the app's main loop has started, then the
// benchmarks' probe (TOKENDESK_PROBE), as bench/hello does.
func onStarted(a fyne.App, f func()) {
	probe.OnStarted(a, f)
}
