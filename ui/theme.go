package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// readableTheme is Fyne's theme with state colours that read at 4.5:1 or
// better (WCAG AA) on the window's background, selected row or not, in
// light and dark: Fyne's own green, orange and red are meant for fills,
// and as text on white they fall to 1.5:1.
type readableTheme struct{ fyne.Theme }

// The state colours, per variant: dark text colours in light, light ones
// in dark (TestStateColoursContrast measures them).
var stateColors = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.NRGBA{
	theme.VariantLight: {
		theme.ColorNameSuccess: {R: 0x1b, G: 0x5e, B: 0x20, A: 0xff},
		theme.ColorNameWarning: {R: 0x8a, G: 0x45, B: 0x00, A: 0xff},
		theme.ColorNameError:   {R: 0xa8, G: 0x14, B: 0x14, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNameSuccess: {R: 0x5d, G: 0xe0, B: 0x55, A: 0xff},
		theme.ColorNameWarning: {R: 0xff, G: 0xa7, B: 0x26, A: 0xff},
		theme.ColorNameError:   {R: 0xff, G: 0x7a, B: 0x70, A: 0xff},
	},
}

func (t readableTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := stateColors[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

// useReadableTheme puts readableTheme over the app's theme, once.
func useReadableTheme(a fyne.App) {
	s := a.Settings()
	if _, ok := s.Theme().(readableTheme); ok {
		return
	}
	s.SetTheme(readableTheme{s.Theme()})
}

// luminance is the WCAG relative luminance of c, on a white page when c is
// not opaque.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// contrast is the WCAG contrast ratio of two opaque colours (1 to 21).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over is fg painted over the opaque bg.
func over(fg, bg color.Color) color.NRGBA {
	f := color.NRGBAModel.Convert(fg).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// badgeText is the text colour that reads best on a badge of colour c:
// white or near-black.
func badgeText(c color.Color) color.Color {
	white, black := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, color.NRGBA{R: 0x12, G: 0x12, B: 0x12, A: 0xff}
	if contrast(c, white) >= contrast(c, black) {
		return white
	}
	return black
}
