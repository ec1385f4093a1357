package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf16"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/internal/shellquote"
)

// What the commands print passes through here, so that text from outside
// (a server's answer, a shared file's names) reaches the terminal with its
// control characters escaped: a server cannot clear the screen, set the
// window title or overwrite a line. Escaping is safetext's decision.

// say writes a message for a person on standard error. Its line breaks are
// kept (some errors list what was tried, a line each); everything else a
// terminal acts on is escaped.
func (env *Env) say(format string, args ...any) {
	lines := strings.Split(fmt.Sprintf(format, args...), "\n")
	for i, l := range lines {
		lines[i] = safetext.Escape(l)
	}
	fmt.Fprintln(env.Stderr, strings.Join(lines, "\n"))
}

// line writes one line of output on standard output; a line break in s is
// escaped too, so that s stays one line (one header, one command).
func (env *Env) line(s string) error {
	_, err := fmt.Fprintln(env.Stdout, safetext.Escape(s))
	return err
}

// table writes rows as aligned columns on standard output.
func (env *Env) table(rows [][]string) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = safetext.Escape(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// writeJSON writes v as indented JSON, with every character a terminal
// would act on written as a \u escape (encoding/json leaves C1 controls
// and bidi marks as they are).
func writeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(jsonSafe(data), '\n'))
	return err
}

// jsonSafe rewrites the characters safetext escapes inside JSON as \u
// escapes. In valid JSON such characters occur only inside strings, except
// the tab, CR and LF between values, which are left alone; so valid JSON
// stays valid and means the same.
func jsonSafe(data []byte) []byte {
	if !safetext.Unsafe(string(data)) {
		return data
	}
	var b bytes.Buffer
	for _, r := range string(data) {
		if r == '\t' || r == '\r' || r == '\n' || !safetext.Unsafe(string(r)) {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.Bytes()
}

// suggest is a command for a person to copy, quoted as the copy formats
// are for this system's shell.
func suggest(args ...string) string { return shellquote.Suggest(args...) }
