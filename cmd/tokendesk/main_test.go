package main

import (
	"runtime"
	"strings"
	"testing"
)

// Without a display, `tokendesk` alone says so and fails, rather than
// starting a window that can only fail after the command has returned.
func TestOpenWindowWithoutDisplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the display check is Linux's")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := openWindow()
	if err == nil || !strings.Contains(err.Error(), "DISPLAY is not set") {
		t.Fatalf("openWindow() = %v; want the missing display named", err)
	}
}
