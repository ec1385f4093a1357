//go:build linux && !wayland

package main

import (
	"math"
	"os"
	"strconv"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// displayProblem says why no window can open here, or "": without an X
// display GLFW's initialisation panics inside Fyne with a stack trace.
func displayProblem() string {
	if os.Getenv("DISPLAY") == "" {
		return "no X display (DISPLAY is not set): start Token Desk from a desktop session, or use the command line (tokendesk --help)"
	}
	return ""
}

// startGLFW initialises GLFW on the main thread (~30 ms: the X
// connection, its extensions, libGL) before Fyne's first NewWindow would,
// while the widgets are built on another core; Fyne's own glfw.Init then
// finds it done. A failure is left for Fyne to report.
func startGLFW() {
	_ = glfw.Init()
}

// warmGL makes and drops a hidden GL window, on the main thread, before the
// real one. The first GL context of a process loads the driver (Mesa's
// llvmpipe: ~65 ms of a ~95 ms first window); done here, it overlaps with
// the widgets being built on another core, and the real window then costs
// only its own ~30 ms. It touches no Fyne state: only GLFW, which
// startGLFW has initialised and which runs nothing else until the window
// is shown.
func warmGL() {
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 2)
	glfw.WindowHint(glfw.ContextVersionMinor, 1)
	defer glfw.DefaultWindowHints() // the real window starts from GLFW's defaults, as Fyne expects
	w, err := glfw.CreateWindow(1, 1, "", nil, nil)
	if err != nil || w == nil { // nil, nil after a logged platform error
		return // the real window reports the problem
	}
	w.MakeContextCurrent()
	glfw.DetachCurrentContext()
	w.Destroy()
}

// screenSize is the primary screen in Fyne's units at the scale Fyne will
// pick for a window on it (FYNE_SCALE or the app's setting, appScale,
// times the scale its DPI asks for), or zero when GLFW cannot say.
func screenSize(appScale float32) fyne.Size {
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	mode := m.GetVideoMode()
	if mode == nil {
		return fyne.Size{}
	}
	user := float32(1)
	if env := os.Getenv("FYNE_SCALE"); env != "" && env != "auto" {
		if s, err := strconv.ParseFloat(env, 32); err == nil && s > 0 {
			user = float32(s)
		}
	} else if env == "" && appScale > 0 {
		user = appScale
	}
	// Fyne's DPI rule: 120 dpi is 1, never below 1.
	detected := float32(1)
	if mm, _ := m.GetPhysicalSize(); mm > 0 {
		if dpi := float32(mode.Width) / (float32(mm) / 25.4); dpi >= 10 && dpi <= 1000 {
			detected = max(1, dpi/120)
		}
	}
	scale := float32(math.Round(float64(user*detected*10))) / 10
	return fyne.NewSize(float32(mode.Width)/scale, float32(mode.Height)/scale)
}
