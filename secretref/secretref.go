// Package secretref resolves secret references: a profile's secret kept in
// a password manager or a vault (op://, vault://, pass://, cmd:) instead of
// the keychain, fetched when it is needed and held in this process's memory
// only.
package secretref

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/kballard/go-shellquote"
	"github.com/tokendesk/tokendesk/internal/safetext"
)

// Kind is where a reference points.
type Kind string

// The kinds of reference, by their scheme.
const (
	// OnePassword is op://vault/item/[section/]field, read with `op read`.
	OnePassword Kind = "op"
	// Vault is vault://mount/path#field, a HashiCorp Vault or OpenBao KV
	// secret (version 1 or 2) read through the Vault API.
	Vault Kind = "vault"
	// Pass is pass://path, the first line of `pass show path`.
	Pass Kind = "pass"
	// Command is cmd:PROGRAM ARGS…, whatever the program prints, run
	// without a shell.
	Command Kind = "cmd"
)

// Ref is a parsed secret reference. The reference names where the secret
// is; it is not a secret itself and may be saved and shown.
type Ref struct {
	Kind Kind
	// Raw is the reference as written.
	Raw string
	// Path is the item: the 1Password reference, the pass entry, or the
	// Vault path below the mount (the mount included; which part is the
	// mount the server says).
	Path string
	// Field is the Vault field (after '#').
	Field string
	// Args is the command and its arguments for cmd:.
	Args []string
}

// String is the reference as written.
func (r Ref) String() string { return r.Raw }

// ErrSyntax is a reference that does not parse.
var ErrSyntax = errors.New("not a secret reference")

// Is says whether s looks like a secret reference (by its scheme), so a
// caller can tell a reference typed where a secret was expected.
func Is(s string) bool {
	for _, p := range []string{"op://", "vault://", "pass://", "cmd:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Parse reads a reference: op://vault/item/field, vault://mount/path#field,
// pass://path or cmd:PROGRAM ARGS…
func Parse(s string) (Ref, error) {
	r := Ref{Raw: s}
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("secret reference %q: %s: %w", safetext.Escape(s), why, ErrSyntax)
	}
	if safetext.Unsafe(s) {
		return bad("no control characters, line breaks or invisible marks")
	}
	switch {
	case strings.HasPrefix(s, "op://"):
		r.Kind, r.Path = OnePassword, s
		rest, _, _ := strings.Cut(strings.TrimPrefix(s, "op://"), "?")
		parts := strings.Split(rest, "/")
		if len(parts) < 3 || len(parts) > 4 || slicesHasEmpty(parts) {
			return bad("want op://vault/item/field or op://vault/item/section/field")
		}
	case strings.HasPrefix(s, "vault://"):
		r.Kind = Vault
		p, field, ok := strings.Cut(strings.TrimPrefix(s, "vault://"), "#")
		if !ok || field == "" {
			return bad("want vault://mount/path#field (the field after #)")
		}
		p = strings.Trim(p, "/")
		if !strings.Contains(p, "/") || cleanPath(p) != p {
			return bad("want vault://mount/path#field")
		}
		r.Path, r.Field = p, field
	case strings.HasPrefix(s, "pass://"):
		r.Kind = Pass
		r.Path = strings.TrimPrefix(s, "pass://")
		if r.Path == "" || strings.HasPrefix(r.Path, "-") || cleanPath(r.Path) != r.Path {
			return bad("want pass://path/to/entry")
		}
	case strings.HasPrefix(s, "cmd:"):
		r.Kind = Command
		args, err := shellquote.Split(strings.TrimPrefix(s, "cmd:"))
		if err != nil {
			return bad("the command does not parse (" + err.Error() + ")")
		}
		if len(args) == 0 {
			return bad("want cmd: followed by a command")
		}
		r.Args = args
	default:
		return bad("want op://, vault://, pass:// or cmd:")
	}
	return r, nil
}

// cleanPath is p without "." and ".." segments or doubled slashes; a
// reference whose path changes under it is refused, so that it cannot
// climb out of a store.
func cleanPath(p string) string {
	c := path.Clean("/" + p)
	return strings.TrimPrefix(c, "/")
}

func slicesHasEmpty(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return true
		}
	}
	return false
}

// Describe says where the secret comes from, for the window and the CLI:
// "from 1Password", "from Vault at https://vault.example:8200", "from pass",
// "from the command bw".
func Describe(r Ref) string {
	switch r.Kind {
	case OnePassword:
		return "from 1Password"
	case Vault:
		addr := os.Getenv("VAULT_ADDR")
		if addr == "" {
			addr = "https://127.0.0.1:8200"
		}
		if u, err := url.Parse(addr); err == nil {
			u.User = nil
			addr = u.String()
		}
		return "from Vault at " + safetext.Escape(addr)
	case Pass:
		return "from pass"
	case Command:
		return "from the command " + safetext.Escape(path.Base(r.Args[0]))
	}
	return "from the keychain"
}
