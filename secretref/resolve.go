package secretref

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
)

// DefaultTimeout bounds one resolution when the Resolver names none: long
// enough for a person to answer 1Password's or GnuPG's unlock prompt.
const DefaultTimeout = 60 * time.Second

// Errors callers branch on (errors.Is on an *Error).
var (
	// ErrNoTool is a reference whose program (op, pass, the command) is
	// not installed or not on PATH.
	ErrNoTool = errors.New("the program is not installed or not on PATH")
	// ErrEmpty is a reference that resolved to nothing.
	ErrEmpty = errors.New("it resolved to an empty value")
	// ErrTimeout is a resolution that took longer than the Resolver's
	// Timeout.
	ErrTimeout = errors.New("it did not answer in time")
	// ErrNotFound is a Vault secret or field that does not exist.
	ErrNotFound = errors.New("no such secret or field")
	// ErrInsecure is a Vault token that would cross the network in clear
	// text: VAULT_ADDR, or a redirect, to plain http:// off this machine.
	ErrInsecure = errors.New("not sent: the Vault token would travel in clear text")
)

// Error is a failed resolution: which reference, and why (the tool's own
// first line of error, or one of the errors above). It never holds the
// secret.
type Error struct {
	Ref string
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("secret reference %s: %v", safetext.Escape(e.Ref), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// toolError is what a tool said when it failed: its first line of error,
// and how it ended.
type toolError struct {
	line  string
	cause error
}

func (e *toolError) Error() string {
	if e.line == "" {
		return e.cause.Error()
	}
	return e.line
}

func (e *toolError) Unwrap() error { return e.cause }

// Resolver resolves references and keeps what it resolved in memory for
// the process's life. The zero value is ready to use.
type Resolver struct {
	// Timeout bounds one resolution; zero means DefaultTimeout.
	Timeout time.Duration
	mu      sync.Mutex
	cache   map[string]*entry
}

// entry is one reference's value; its lock makes concurrent requests for
// one reference share one resolution (one unlock prompt, not ten).
type entry struct {
	mu    sync.Mutex
	value string
}

// Resolve returns the secret r names, from memory when this process has
// resolved it before.
func (rv *Resolver) Resolve(ctx context.Context, r Ref) (string, error) {
	rv.mu.Lock()
	if rv.cache == nil {
		rv.cache = map[string]*entry{}
	}
	e := rv.cache[r.Raw]
	if e == nil {
		e = &entry{}
		rv.cache[r.Raw] = e
	}
	rv.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.value != "" {
		return e.value, nil
	}
	v, err := rv.Fetch(ctx, r)
	if err == nil {
		e.value = v
	}
	return v, err
}

// Forget drops what memory holds for r (after the server refused it, say),
// so the next Resolve asks the tool again.
func (rv *Resolver) Forget(r Ref) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	delete(rv.cache, r.Raw)
}

// Fetch resolves r without memory: every call asks the tool.
func (rv *Resolver) Fetch(ctx context.Context, r Ref) (string, error) {
	timeout := rv.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var v string
	var err error
	switch r.Kind {
	case OnePassword:
		v, err = run(ctx, []string{"op", "read", "--no-newline", r.Path})
	case Pass:
		v, err = run(ctx, []string{"pass", "show", r.Path})
		v, _, _ = strings.Cut(v, "\n")
	case Command:
		v, err = run(ctx, r.Args)
	case Vault:
		v, err = rv.vault(ctx, r)
	default:
		err = ErrSyntax
	}
	if err == nil {
		v = strings.TrimRight(v, "\r\n")
		if v == "" {
			err = ErrEmpty
		}
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%s)", ErrTimeout, timeout)
		}
		return "", &Error{Ref: r.Raw, Err: err}
	}
	return v, nil
}

// maxOutput caps what a tool may print: a secret is short, a PEM key a
// few kilobytes.
const maxOutput = 1 << 20

// run runs args without a shell and returns what it printed. Its error is
// the tool's first line of error output, never what it printed on
// standard output.
func run(ctx context.Context, args []string) (string, error) {
	if _, err := exec.LookPath(args[0]); err != nil {
		return "", fmt.Errorf("%s: %w", args[0], ErrNoTool)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var out, errOut capped
	out.max, errOut.max = maxOutput, 64<<10
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = time.Second // a child left holding the pipes does not hang us
	err := cmd.Run()
	if out.over {
		return "", fmt.Errorf("%s printed more than %d bytes", args[0], maxOutput)
	}
	if err != nil {
		return "", &toolError{line: firstLine(errOut.String(), out.String()), cause: fmt.Errorf("%s: %w", args[0], err)}
	}
	return out.String(), nil
}

// firstLine is the first non-blank line of a tool's error output, made safe
// to print; a line that holds what the tool printed on standard output (a
// secret, perhaps) is left out.
func firstLine(stderr, stdout string) string {
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if s := strings.TrimSpace(stdout); s != "" && strings.Contains(line, s) {
			return ""
		}
		return safetext.Escape(line)
	}
	return ""
}

// capped is a buffer that keeps at most max bytes and remembers it was
// offered more.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max - c.Len(); len(p) > room {
		c.over = true
		p = p[:max(room, 0)]
	}
	c.Buffer.Write(p)
	return n, nil
}
