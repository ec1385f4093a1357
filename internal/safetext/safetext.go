// Package safetext makes text from outside (a token server's answer, a
// shared profiles file) safe to print on a terminal or show in a label: the
// one place that decides which characters are escaped.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
)

// Escape returns s with every control character, and every character that
// reorders or hides text (bidi controls, zero-width marks), written as a Go
// escape (\x1b, \r, \n, \u202e), so a server cannot move the cursor, clear
// the screen, set the window title or start a new header line. Printable
// text, non-ASCII letters included, is left as it is.
func Escape(s string) string {
	if !Unsafe(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafe(r) {
			q := strconv.QuoteRuneToASCII(r) // 'x1b' with quotes around it
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Unsafe says whether s holds a character Escape would escape.
func Unsafe(s string) bool {
	for _, r := range s {
		if unsafe(r) {
			return true
		}
	}
	return false
}

func unsafe(r rune) bool {
	return r == unicode.ReplacementChar || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}
