//go:build linux && !wayland

package main

import (
	"os"

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

// warmGL makes and drops a hidden GL window, on the main thread, before the
// real one. The first GL context of a process loads the driver (Mesa's
// llvmpipe: ~65 ms of a ~95 ms first window); done here, it overlaps with
// the widgets being built on another core, and the real window then costs
// only its own ~30 ms. It touches no Fyne state: only GLFW, which the app
// has initialised and which runs nothing else until the window is shown.
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
