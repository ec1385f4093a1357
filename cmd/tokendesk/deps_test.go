package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The CLI links neither Fyne nor a package that needs cgo (its start-up
// time and a console binary on Windows depend on it), and the root package
// is the window, so that `go run .` opens it and `fyne package` bundles it;
// the benchmarks' start probe is in neither (only in -tags probe builds).
func TestDeps(t *testing.T) {
	tests := []struct {
		pkg    string
		window bool
	}{
		{pkg: ".", window: false},    // cmd/tokendesk
		{pkg: "../..", window: true}, // the root
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			// One line per non-standard dependency: its path, and "cgo" when
			// it has cgo files.
			cmd := exec.Command("go", "list", "-deps", "-tags", "migrated_fynedo,no_emoji",
				"-f", "{{if not .Standard}}{{.ImportPath}}{{if .CgoFiles}} cgo{{end}}{{end}}", tt.pkg)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
			out, err := cmd.Output()
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					t.Logf("%s", ee.Stderr)
				}
				t.Fatalf("go list -deps %s: %v", tt.pkg, err)
			}
			var fyne, probe bool
			var cgo []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				path, isCgo := strings.CutSuffix(line, " cgo")
				if strings.HasPrefix(path, "fyne.io/") {
					fyne = true
				}
				if path == "github.com/tokendesk/tokendesk/internal/probe" {
					probe = true
				}
				if isCgo {
					cgo = append(cgo, path)
				}
			}
			if fyne != tt.window {
				t.Errorf("%s links fyne.io: got %v; want %v", tt.pkg, fyne, tt.window)
			}
			if probe {
				t.Errorf("%s links internal/probe; want it in probe builds only", tt.pkg)
			}
			if !tt.window && len(cgo) > 0 {
				t.Errorf("%s depends on cgo packages %v; want none", tt.pkg, cgo)
			}
			if tt.window && len(cgo) == 0 {
				t.Errorf("%s depends on no cgo package; want the window's GL driver", tt.pkg)
			}
		})
	}
}

// The packages import one way, in the order README's Architecture lists
// them: each only from packages below it, so persistence knows nothing of
// auth or the faces. (The faces still import storage to read the profiles
// file; that they change state only through core is a review rule, not
// something this test can see.)
func TestLayers(t *testing.T) {
	layers := [][]string{
		{"ui", "cli"},
		{"core", "proxy"},
		{"format"},
		{"importer"},
		{"session"},
		{"auth"},
		{"storage"},
		{"keys"},
		{"model"},
		{"secretref"},
	}
	const mod = "github.com/tokendesk/tokendesk/"
	rank := map[string]int{}
	var pkgs []string
	for i, l := range layers {
		for _, p := range l {
			rank[p] = i
			pkgs = append(pkgs, "../../"+p)
		}
	}
	cmd := exec.Command("go", append([]string{"list", "-tags", "migrated_fynedo,no_emoji",
		"-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, pkgs...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		from := strings.TrimPrefix(f[0], mod)
		for _, imp := range f[1:] {
			to, ok := strings.CutPrefix(imp, mod)
			if !ok || strings.HasPrefix(to, "internal/") {
				continue
			}
			r, known := rank[to]
			if !known {
				t.Errorf("%s imports %s, which README's Architecture does not place", from, to)
				continue
			}
			if r <= rank[from] {
				t.Errorf("%s imports %s: got an import at or above its own layer; want only from below", from, to)
			}
		}
	}
}
