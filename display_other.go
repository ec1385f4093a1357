//go:build !linux || wayland

package main

import "fyne.io/fyne/v2"

// displayProblem is only checked on X11 (display_x11.go).
func displayProblem() string { return "" }

// startGLFW is left to Fyne's first NewWindow here: starting it early was
// measured on X11 only (display_x11.go).
func startGLFW() bool { return false }

// glProblem is only checked on X11, where GLFW is started early.
func glProblem(bool) string { return "" }

// warmGL is only done on X11, where it was measured (display_x11.go).
func warmGL() {}

// screenSize is not asked for here (startGLFW is false): the window keeps
// its remembered size.
func screenSize(float32) fyne.Size { return fyne.Size{} }
