// Package probe lets the benchmarks see when a Fyne app is up: with
// TOKENDESK_PROBE set, the app prints "ready" on standard output once its
// main loop has started and run a round trip on the UI thread (the first
// frame is drawn by then), and with TOKENDESK_PROBE=exit it then exits.
// Token Desk's window (built with -tags probe, as `make bench` does) and the
// bench's hello window use it alike, so their start times compare fairly;
// the product's window does not link it.
package probe

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
)

// OnStarted sets a's start hook: it runs hooks, then, if TOKENDESK_PROBE
// is set, the probe.
func OnStarted(a fyne.App, hooks ...func()) {
	mode := os.Getenv("TOKENDESK_PROBE")
	a.Lifecycle().SetOnStarted(func() {
		for _, h := range hooks {
			h()
		}
		if mode == "" {
			return
		}
		go func() {
			fyne.DoAndWait(func() {})
			fmt.Println("ready")
			if mode == "exit" {
				os.Exit(0)
			}
		}()
	})
}
