//go:build !linux || wayland

package main

// displayProblem is only checked on X11 (display_x11.go).
func displayProblem() string { return "" }

// warmGL is only done on X11, where it was measured (display_x11.go).
func warmGL() {}
