//go:build linux && !wayland

package main

import "github.com/go-gl/glfw/v3.3/glfw"

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
	if err != nil {
		return // the real window reports the problem
	}
	w.MakeContextCurrent()
	glfw.DetachCurrentContext()
	w.Destroy()
}
