// Command tokendesk-gui is Token Desk's window: `go run .` opens it,
// `make build` builds it as tokendesk-gui, and `tokendesk` with no
// arguments starts it. The command line is cmd/tokendesk.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/version"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
	"github.com/tokendesk/tokendesk/ui"
)

// WindowIcon.png is the 128 px rendering of Icon.png (tools/icon): the
// 512 px one cost 17 ms of start-up to decode and hand to the X server,
// for an icon no window manager shows above 128 px. Packages use Icon.png.
//
//go:embed WindowIcon.png
var iconPNG []byte

// startHeap bounds the memory the window may take before its first tick,
// while the collector waits: 10 profiles need about 40 MB, 1,000 about 80.
const startHeap = 128 << 20

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-v") {
		fmt.Printf("tokendesk-gui %s\n", version.String())
		return
	}
	if msg := displayProblem(); msg != "" {
		fmt.Fprintln(os.Stderr, "tokendesk-gui:", msg)
		os.Exit(1)
	}
	// Start-up allocates ~30 MB, most of it garbage by the first frame
	// (font tables parsed, text shaped, JSON read). Collecting it on the way
	// only competes with that frame for the two cores: the collector waits
	// until the first tick, a second in, unless the heap reaches startHeap.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startHeap)
	a := app.NewWithID("io.github.tokendesk.tokendesk")
	icon := fyne.NewStaticResource("WindowIcon.png", iconPNG)
	a.SetIcon(icon)

	dir, err := storage.DefaultDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokendesk-gui:", err)
		os.Exit(1)
	}
	// Tokens this window caches are marked for other windows to notice.
	keys := storage.NewKeychain(storage.MarkTokens(storage.NewSystemStore(), dir))
	sessions := session.NewManager(keys, auth.NewClient())
	store := storage.Open(dir)
	// A token exchange reads its subject profile as the file holds it now.
	sessions.Profiles = func(id string) (model.Profile, error) {
		f, err := store.Load()
		if err != nil {
			return model.Profile{}, err
		}
		return f.ByID(id)
	}
	prefs := a.Preferences()
	size := fyne.NewSize(
		float32(prefs.FloatWithFallback("window.width", 1080)),
		float32(prefs.FloatWithFallback("window.height", 700)))
	scale := a.Settings().Scale()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// This thread starts GLFW (~30 ms) and loads the GL driver with the
	// first GL context of the process (~65 ms under Mesa, warmGL), before
	// any window exists; meanwhile another core builds the widgets, loads
	// the profiles and lays them out (fonts parsed, text measured, rows
	// made). Under migrated_fynedo Fyne's caches are plain maps, so Fyne
	// must never run on both sides at once: this thread runs only GLFW
	// until the built UI arrives through the channel, and makes the window
	// and attaches the UI then (bench/README.md).
	sizes := make(chan fyne.Size, 1)
	built := make(chan *ui.UI, 1)
	remembered := size
	go func() {
		u := ui.Build(a, ui.Options{
			Store:    store,
			Secrets:  keys,
			Sessions: sessions,
			Version:  version.String(),
			WatchDir: dir,
		})
		sessions.OnChange = u.OnSessionChange
		// Laid out once before the first load, at the remembered size, so
		// that the selected profile's fields wrap at the pane's width, not
		// at its minimum a character a line (~340 strings measured, each
		// with a fresh shaper); laid out again at the size fitted to the
		// screen, which is almost always the same.
		u.Layout(remembered)
		u.Start(ctx)
		u.Layout(<-sizes)
		built <- u
	}()
	glfwUp := startGLFW()
	if msg := glProblem(glfwUp); msg != "" {
		fmt.Fprintln(os.Stderr, "tokendesk-gui:", msg)
		os.Exit(1)
	}
	if glfwUp {
		size = ui.FitSize(size, screenSize(scale))
	}
	sizes <- size
	if glfwUp {
		warmGL()
	}
	u := <-built

	w := a.NewWindow("Token Desk")
	w.SetIcon(icon)
	w.Resize(size)
	saveSize := func() {
		s := w.Canvas().Size()
		if s.Width > 0 && s.Height > 0 {
			prefs.SetFloat("window.width", float64(s.Width))
			prefs.SetFloat("window.height", float64(s.Height))
		}
	}
	a.Lifecycle().SetOnStopped(saveSize)
	u.Attach(w)
	// The tray talks D-Bus to the desktop (40 ms measured); the first frame
	// need not wait for it.
	u.AfterFirstTick(func() {
		u.SetupTray(icon, saveSize)
		// Start-up leaves garbage (parsed font tables, JSON); the window then
		// idles for hours, redrawing a few labels a second: hand the garbage
		// back now and keep the heap's headroom small from here on (the live
		// heap is mostly fonts, ~20 MB; bench/RESULTS.md).
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(25)
		go debug.FreeOSMemory()
	})
	onStarted(a, u)

	// SIGTERM and Ctrl+C in a terminal end the app cleanly, saving state.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		fyne.Do(a.Quit)
	}()

	w.ShowAndRun()
	u.Close() // a delete still undoable takes its keychain items with it
}
