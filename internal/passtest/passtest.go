// Package passtest makes a throwaway pass(1) password store for tests: a
// fresh GnuPG home with a key without a passphrase, and a store encrypted
// to it.
package passtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Store makes a password store holding entries (path → content) and
// returns the environment that points pass at it (GNUPGHOME,
// PASSWORD_STORE_DIR). It skips the test when pass or gpg is missing
// (scripts/deps test installs them); its gpg-agent is stopped at the end.
func Store(t *testing.T, entries map[string]string) []string {
	t.Helper()
	for _, tool := range []string{"pass", "gpg", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/deps test installs it)", tool)
		}
	}
	// gpg-agent's socket path must be short: a directory of its own under
	// the system's temporary directory, not a test's long one.
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "store")
	env := []string{"GNUPGHOME=" + home, "PASSWORD_STORE_DIR=" + store}
	run := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = append(os.Environ(), env...)
		_ = cmd.Run()
		_ = os.RemoveAll(home)
	})
	const uid = "Token Desk test <test@tokendesk.invalid>"
	run("", "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-generate-key", uid, "future-default", "default", "never")
	run("", "pass", "init", "test@tokendesk.invalid")
	for p, content := range entries {
		run(content, "pass", "insert", "--multiline", p)
	}
	return env
}
