package browser

import (
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
