// Command tokendesk is Token Desk's command line: profiles, tokens, headers
// and curl commands from the keychain-backed core. It links no GUI toolkit,
// so a cached token prints in milliseconds; with no arguments it starts the
// window, tokendesk-gui, installed beside it.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/cli"
	"github.com/tokendesk/tokendesk/internal/version"
	"github.com/tokendesk/tokendesk/storage"
)

func main() {
	dir, err := storage.DefaultDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokendesk:", err)
		os.Exit(1)
	}
	// A token the CLI caches or forgets is marked, so an open window shows it.
	keys := storage.NewKeychain(storage.MarkTokens(storage.NewSystemStore(), dir))
	os.Exit(cli.Run(os.Args[1:], cli.Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Store:      storage.Open(dir),
		Keys:       keys,
		Client:     auth.NewClient(),
		OpenWindow: openWindow,
		Version:    version.String(),
	}))
}

// openWindow starts the GUI binary that sits beside this one (or on PATH)
// and returns without waiting for it, as `code` does.
func openWindow() error {
	// Over ssh or in a container the window could only fail, after this
	// command has returned: say so now, with the exit status to match.
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open the window on (DISPLAY is not set); every command works without one: tokendesk --help")
	}
	name := "tokendesk-gui"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	path := name
	if self, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(self), name); fileExists(p) {
			path = p
		}
	}
	if path == name {
		p, err := exec.LookPath(name)
		if err != nil {
			return errors.New("the window (tokendesk-gui) is not installed beside tokendesk; build it with 'make build'")
		}
		path = p
	}
	cmd := exec.Command(path)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the window: %w", err)
	}
	return cmd.Process.Release()
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
