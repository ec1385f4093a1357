// Command hello is the toolkit's floor for the window benchmarks: the smallest
// Fyne window, built with the same flags as Token Desk's, against which the
// real window's start time, memory and idle CPU are compared.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/internal/probe"
)

func main() {
	a := app.NewWithID("io.github.tokendesk.hello")
	probe.OnStarted(a)
	w := a.NewWindow("Hello")
	w.SetContent(widget.NewLabel("Hello"))
	w.Resize(fyne.NewSize(1080, 700))
	w.ShowAndRun()
}
