package storage

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBusKnown: the background connect runs only where a session bus is
// there already, never launching one.
func TestBusKnown(t *testing.T) {
	withSocket := t.TempDir()
	if err := os.WriteFile(filepath.Join(withSocket, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, addr, runtime string
		want                bool
	}{
		{"address set", "unix:path=/run/user/1000/bus", "", true},
		{"socket in the runtime dir", "", withSocket, true},
		{"runtime dir without a bus", "", t.TempDir(), false},
		{"nothing", "", "", false},
	}
	for _, tt := range tests {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.addr)
		t.Setenv("XDG_RUNTIME_DIR", tt.runtime)
		if got := busKnown(); got != tt.want {
			t.Errorf("%s: busKnown() = %v; want %v", tt.name, got, tt.want)
		}
	}
}
