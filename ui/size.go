package ui

import "fyne.io/fyne/v2"

// screenMargin is the part of a screen a window leaves to the desktop's
// panels and its own title bar.
const screenMargin = 0.9

// FitSize is a remembered window size made to fit a screen of screen
// (in the window's units, after scaling; zero when unknown): a size saved
// at one scale or on a larger screen must not put the window's edges, and
// the buttons and status line there, off this one.
func FitSize(size, screen fyne.Size) fyne.Size {
	if screen.Width > 0 {
		size.Width = min(size.Width, screen.Width*screenMargin)
	}
	if screen.Height > 0 {
		size.Height = min(size.Height, screen.Height*screenMargin)
	}
	return size
}
