//go:build !bench

package main

import "fyne.io/fyne/v2"

// onStarted runs f once the app's main loop has started. Benchmark builds
// (-tags bench, started_bench.go) also report when the window is up.
func onStarted(a fyne.App, f func()) {
	a.Lifecycle().SetOnStarted(f)
}
