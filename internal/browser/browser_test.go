package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestCommand(t *testing.T) {
	const u = "https://as.example/authorize?a=1&b=2"
	tests := []struct {
		entry string
		want  []string
	}{
		{"firefox", []string{"firefox", u}},
		{"firefox --new-tab", []string{"firefox", "--new-tab", u}},
		{"lynx -dump %s", []string{"lynx", "-dump", u}},
	}
	for _, tt := range tests {
		if got := command(tt.entry, u); !slices.Equal(got, tt.want) {
			t.Errorf("command(%q) = %q; want %q", tt.entry, got, tt.want)
		}
	}
}

func TestOpenBrowserThatCannotStart(t *testing.T) {
	t.Setenv("BROWSER", "/nonexistent/browser")
	if err := Open("https://as.example/"); err == nil {
		t.Error("Open succeeded with a $BROWSER that does not exist; want an error (the URL is then printed)")
	}
}

// A browser command that fails at once did not open the browser: the next
// $BROWSER entry is tried, and with none left Open says so (the URL is then
// printed). One that keeps running, as a browser does, counts as opened.
func TestOpenBrowserThatFails(t *testing.T) {
	for _, tool := range []string{"false", "true", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found", tool)
		}
	}
	stays := filepath.Join(t.TempDir(), "browser")
	if err := os.WriteFile(stays, []byte("#!/bin/sh\nsleep 5\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		browser string
		ok      bool
	}{
		{"false", false},
		{"false:true", true},
		{stays, true},
	}
	for _, tt := range tests {
		t.Setenv("BROWSER", tt.browser)
		if err := Open("https://as.example/"); (err == nil) != tt.ok {
			t.Errorf("BROWSER=%s: %v; want opened %v", tt.browser, err, tt.ok)
		}
	}
}
