// Command icon draws Token Desk's app icon (Icon.png): a white key on a
// rounded teal tile with a countdown arc, drawn with thick strokes so it
// reads at 32 px. Run: go run ./tools/icon > Icon.png
// (512 px, for packages) and go run ./tools/icon -size 128 >
// WindowIcon.png (the window's own icon).
package main

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const ss = 4 // supersampling factor

func main() {
	sizeFlag := flag.Int("size", 512, "width and height in pixels")
	flag.Parse()
	size := *sizeFlag
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			var r, g, b, a float64
			for sy := range ss {
				for sx := range ss {
					c := sample((float64(x)+(float64(sx)+0.5)/ss)/float64(size), (float64(y)+(float64(sy)+0.5)/ss)/float64(size))
					r += float64(c.R) * float64(c.A)
					g += float64(c.G) * float64(c.A)
					b += float64(c.B) * float64(c.A)
					a += float64(c.A)
				}
			}
			if a > 0 {
				img.SetNRGBA(x, y, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(a / ss / ss)})
			}
		}
	}
	if err := png.Encode(os.Stdout, img); err != nil {
		panic(err)
	}
}

// sample is the icon's colour at (u, v) in [0,1]².
func sample(u, v float64) color.NRGBA {
	if !inRoundRect(u, v, 0.04, 0.96, 0.2) {
		return color.NRGBA{}
	}
	white := color.NRGBA{255, 255, 255, 255}
	// Countdown arc: three quarters of a ring around the key's bow.
	cx, cy := 0.36, 0.40
	d := math.Hypot(u-cx, v-cy)
	ang := math.Atan2(v-cy, u-cx)
	if d > 0.245 && d < 0.295 && !(ang > -math.Pi/2 && ang < 0) {
		return color.NRGBA{255, 213, 79, 255}
	}
	// Key bow: a thick ring.
	if d > 0.085 && d < 0.185 {
		return white
	}
	// Shaft, at 45° down-right from the bow.
	px, py := rot(u-cx, v-cy, -math.Pi/4)
	if px > 0.16 && px < 0.62 && math.Abs(py) < 0.05 {
		return white
	}
	// Two teeth.
	if (px > 0.46 && px < 0.53 || px > 0.56 && px < 0.62) && py > 0 && py < 0.14 {
		return white
	}
	// Tile: teal gradient.
	t := (u + v) / 2
	return color.NRGBA{uint8(0 + 20*t), uint8(150 - 60*t), uint8(136 - 30*t), 255}
}

func rot(x, y, a float64) (float64, float64) {
	return x*math.Cos(a) - y*math.Sin(a), x*math.Sin(a) + y*math.Cos(a)
}

func inRoundRect(u, v, lo, hi, r float64) bool {
	if u < lo || u > hi || v < lo || v > hi {
		return false
	}
	qx := math.Max(math.Max(lo+r-u, u-(hi-r)), 0)
	qy := math.Max(math.Max(lo+r-v, v-(hi-r)), 0)
	return qx*qx+qy*qy <= r*r
}
