//go:build !linux || wayland

package main

import "fyne.io/fyne/v2"

// displayProblem is only checked on X11 (display_x11.go).
func displayProblem() string { return "" }

// warmGL is only done on X11, where it was measured (display_x11.go).
func warmGL() {}

// screenSize is unknown here: the window keeps its remembered size.
func screenSize(fyne.App) fyne.Size { return fyne.Size{} }
