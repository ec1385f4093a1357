// Package shellquote quotes text for the shells Token Desk writes commands
// for: POSIX shells through a maintained library, PowerShell by its own
// rule. Every command Token Desk suggests or copies is quoted here, so a
// name from a shared file cannot plant a command in it.
package shellquote

import (
	"runtime"
	"strings"

	"al.essio.dev/pkg/shellescape"
)

// The shells commands are quoted for.
const (
	POSIX      = "posix"
	PowerShell = "powershell"
)

// Default is the shell of this system: PowerShell on Windows, else POSIX.
func Default() string {
	if runtime.GOOS == "windows" {
		return PowerShell
	}
	return POSIX
}

// PowerShellString quotes s as a PowerShell verbatim (single-quoted)
// string, in which nothing expands: only the quote characters are doubled —
// PowerShell takes the typographic single quotes ‘ ’ ‚ ‛ as quotes too.
// No maintained Go library quotes for PowerShell; the rule is this one
// (about_Quoting_Rules).
func PowerShellString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// Word quotes s as one word of a POSIX shell command, where it needs it.
func Word(s string) string { return shellescape.Quote(s) }

// Command is args as one command line for shell, each word quoted where it
// needs it.
func Command(shell string, args ...string) string {
	if shell != PowerShell {
		return shellescape.QuoteCommand(args)
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=", r))
		}) {
			q[i] = PowerShellString(a)
		}
	}
	return strings.Join(q, " ")
}

// Suggest is a command for a person to copy, quoted for this system's
// shell.
func Suggest(args ...string) string { return Command(Default(), args...) }
