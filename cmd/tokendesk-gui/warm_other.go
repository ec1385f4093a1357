//go:build !linux || wayland

package main

// warmGL is only done on X11, where it was measured (warm_linux.go).
func warmGL() {}
