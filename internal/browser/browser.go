// Package browser opens a URL in the system browser the way the platform
// does (xdg-open, open, rundll32), honouring $BROWSER when it is set.
package browser

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Open starts the browser at url and does not wait for it, beyond seeing
// that its command did not fail at once (settle). $BROWSER, when
// set, is a colon-separated list of commands tried in turn, each given the
// URL as its argument (or in place of a %s in it).
func Open(url string) error {
	if env := os.Getenv("BROWSER"); env != "" {
		var errs []error
		for _, cmd := range strings.Split(env, string(os.PathListSeparator)) {
			if err := start(command(cmd, url)); err != nil {
				errs = append(errs, err)
				continue
			}
			return nil
		}
		return fmt.Errorf("open the browser ($BROWSER): %w", errors.Join(errs...))
	}
	var argv []string
	switch runtime.GOOS {
	case "darwin":
		argv = []string{"open", url}
	case "windows":
		argv = []string{"rundll32", "url.dll,FileProtocolHandler", url}
	default:
		argv = []string{"xdg-open", url}
	}
	if err := start(argv); err != nil {
		return fmt.Errorf("open the browser: %w", err)
	}
	return nil
}

// command is one $BROWSER entry as an argument list: its words, the URL
// in place of %s or after them. The URL stays one argument.
func command(entry, url string) []string {
	words := strings.Fields(entry)
	placed := false
	for i, w := range words {
		if strings.Contains(w, "%s") {
			words[i], placed = strings.ReplaceAll(w, "%s", url), true
		}
	}
	if !placed {
		words = append(words, url)
	}
	return words
}

// settle is how long start waits to see a browser command fail at once (a
// $BROWSER of /bin/false, an xdg-open with no browser to hand to): one
// still running then, like a browser that stays open, counts as opened.
const settle = 500 * time.Millisecond

// start runs argv and returns once it has exited, or has run for settle
// without failing; it is reaped when it ends. A command that exits with an
// error status within settle did not open the browser.
func start(argv []string) error {
	if len(argv) == 0 || argv[0] == "" {
		return errors.New("no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t := time.NewTimer(settle)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", argv[0], err)
		}
	case <-t.C:
	}
	return nil
}
