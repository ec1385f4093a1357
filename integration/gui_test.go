package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestGUISmoke starts the real window under Xvfb with a seeded config
// (several environments, one profile with a cached token), checks that it
// draws a non-blank window, stays up, and exits cleanly on SIGTERM.
func TestGUISmoke(t *testing.T) {
	need(t)
	for _, tool := range []string{"Xvfb", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/deps test installs it)", tool)
		}
	}
	gui := buildWindow(t, "")

	// Without a display: a sentence, not GLFW's panic.
	noX := exec.Command(gui)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			noX.Env = append(noX.Env, kv)
		}
	}
	noX.Env = append(noX.Env, "TOKENDESK_CONFIG_DIR="+t.TempDir())
	out, err := noX.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "DISPLAY is not set") || strings.Contains(string(out), "panic") {
		t.Errorf("without a display: %v\n%s", err, out)
	}

	// A display without OpenGL (GLX), or one that cannot be opened: a
	// sentence and exit 1, not a wait for ever for a window that never
	// comes (the test's timeout would end it).
	for name, display := range map[string]string{"no GLX": startXvfb(t, "-extension", "GLX"), "no such display": ":9999"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, not blocks
		cmd := exec.CommandContext(ctx, gui)
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "TOKENDESK_CONFIG_DIR="+t.TempDir(), "LANG=C.UTF-8")
		out, err := cmd.CombinedOutput()
		cancel()
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "tokendesk-gui: ") || strings.Contains(string(out), "panic") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}

	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "add", "hydra-local", "--token-url", env.tokenURL, "--client-id", id, "--env", "local")
	ok(t, cfg, "x\n", "add", "medplum-staging", "--token-url", "https://staging.example.com/oauth2/token", "--client-id", "s", "--env", "staging")
	ok(t, cfg, "x\n", "add", "medplum-prod", "--token-url", "https://api.medplum.com/oauth2/token", "--client-id", "p", "--env", "prod")
	ok(t, cfg, "", "token", "hydra-local") // a cached token for the window to count down

	display := startXvfb(t)
	cmd := exec.Command(gui)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "TOKENDESK_CONFIG_DIR="+cfg, "LANG=C.UTF-8")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// Poll the screen until the window has drawn something.
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var shot []byte
	for colours := 0; colours < 8; {
		select {
		case err := <-exited:
			t.Fatalf("the window exited early (%v):\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("no window drawn within 60 s (%d colours on screen):\n%s", colours, logs.String())
		case <-tick.C:
			shot, colours = screenshot(t, display)
		}
	}
	if p := os.Getenv("TOKENDESK_SMOKE_SHOT"); p != "" {
		_ = os.WriteFile(p, shot, 0o644)
	}
	// It must stay up while the countdowns tick.
	select {
	case err := <-exited:
		t.Fatalf("the window exited while idle (%v):\n%s", err, logs.String())
	case <-time.After(3 * time.Second):
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit on SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the window did not exit within 15 s of SIGTERM")
	}
	if strings.Contains(logs.String(), "DATA RACE") {
		t.Errorf("the window hit a data race:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the window's log shows the client secret")
	}
}

// buildWindow builds the window (the root package), with the build tags
// extra adds, and returns its path.
func buildWindow(t *testing.T, extra string) string {
	t.Helper()
	gui := filepath.Join(t.TempDir(), "tokendesk-gui")
	// -race: the same build flavour as the tests (one cold cgo build of
	// GLFW, not two), and data races in the real app fail the run.
	build := exec.Command("go", "build", "-race", "-tags", "migrated_fynedo,no_emoji"+extra, "-o", gui, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the window: %v\n%s", err, out)
	}
	return gui
}

// TestGUISeesCLI runs the window with the command line working beside it:
// a profile the CLI adds, edits and removes, and a token it fetches, show
// in the open window within two seconds. The window is a probe build
// (-tags probe), which answers "rows" on standard input with its list.
func TestGUISeesCLI(t *testing.T) {
	need(t)
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatal("Xvfb is not installed (scripts/deps test installs it)")
	}
	gui := buildWindow(t, ",probe")
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "add", "hydra-local", "--token-url", env.tokenURL, "--client-id", id, "--env", "local")

	display := startXvfb(t)
	cmd := exec.Command(gui)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "TOKENDESK_CONFIG_DIR="+cfg, "TOKENDESK_PROBE=ready", "LANG=C.UTF-8")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if strings.Contains(logs.String(), "DATA RACE") {
			t.Errorf("the window hit a data race:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), secret) {
			t.Error("the window's log shows the client secret")
		}
	})
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// next is the window's next line on standard output.
	next := func(within time.Duration) string {
		t.Helper()
		select {
		case l, open := <-lines:
			if !open {
				t.Fatalf("the window exited:\n%s", logs.String())
			}
			return l
		case <-time.After(within):
			t.Fatalf("the window said nothing within %v:\n%s", within, logs.String())
		}
		return ""
	}
	if l := next(60 * time.Second); l != "ready" {
		t.Fatalf("the window said %q; want ready", l)
	}
	// rows is the window's list: name to "env\tstate".
	rows := func() map[string]string {
		t.Helper()
		if _, err := io.WriteString(stdin, "rows\n"); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for l := next(10 * time.Second); l != "end"; l = next(10 * time.Second) {
			name, rest, _ := strings.Cut(strings.TrimPrefix(l, "row\t"), "\t")
			m[name] = rest
		}
		return m
	}
	// shows polls the window's list until want holds, for two seconds
	// after the command line is done.
	shows := func(what string, want func(map[string]string) bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for got := rows(); !want(got); got = rows() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in the window within 2 s; it shows %q", what, got)
			}
			<-tick.C
		}
	}
	shows("the profile", func(m map[string]string) bool { return m["hydra-local"] == "local\tno token" })

	steps := []struct {
		what string
		args []string
		want func(map[string]string) bool
	}{
		{"a profile added", []string{"add", "second", "--token-url", env.tokenURL, "--client-id", id, "--env", "staging"},
			func(m map[string]string) bool { return m["second"] == "staging\tno token" }},
		{"a profile edited", []string{"edit", "second", "--env", "prod"},
			func(m map[string]string) bool { return m["second"] == "prod\tno token" }},
		{"a token fetched", []string{"token", "hydra-local"},
			func(m map[string]string) bool { return strings.HasPrefix(m["hydra-local"], "local\tvalid ") }},
		{"a profile removed", []string{"rm", "second"},
			func(m map[string]string) bool { _, there := m["second"]; return !there }},
	}
	for _, s := range steps {
		ok(t, cfg, secret+"\n", s.args...)
		shows(s.what, s.want)
	}
}

// lockedBuffer is a bytes.Buffer a process writes to while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startXvfb starts a virtual X server and returns its display.
func startXvfb(t *testing.T, args ...string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", append([]string{"-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"}, args...)...)
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { _ = x.Process.Kill(); _ = x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// screenshot grabs the screen and counts its distinct colours (up to 64).
func screenshot(t *testing.T, display string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command("import", "-display", display, "-window", "root", "png:-")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Logf("import: %s", ee.Stderr)
		}
		return nil, 0
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, 0
	}
	return out, countColours(img, 64)
}

func countColours(img image.Image, limit int) int {
	seen := map[string]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[fmt.Sprint(r>>8, g>>8, bl>>8)] = true
			if len(seen) >= limit {
				return limit
			}
		}
	}
	return len(seen)
}
