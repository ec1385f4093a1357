// Package version says which Token Desk this is: the version git describe
// gave at build time, the Go that built it and the Fyne it was built
// against, for --version and the About dialog.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version and Fyne are set at build time:
//
//	-ldflags "-X github.com/tokendesk/tokendesk/internal/version.Version=$(git describe --tags --always --dirty)
//	          -X github.com/tokendesk/tokendesk/internal/version.Fyne=$(go list -m -f '{{.Version}}' fyne.io/fyne/v2)"
//
// The CLI links no Fyne, so only the build can tell it which Fyne its
// window was built with; the window reads its own build information.
var (
	Version = "dev"
	Fyne    = ""
)

// FyneVersion is the Fyne version the binary was built against: the one
// set at build time, else the one in the binary's module information.
func FyneVersion() string {
	if Fyne != "" {
		return Fyne
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "fyne.io/fyne/v2" {
				if m.Replace != nil {
					m = m.Replace
				}
				return m.Version
			}
		}
	}
	return "unknown"
}

// String is the version line: "v1.2.0 (go1.26.8, linux/amd64, Fyne v2.7.1)".
func String() string {
	return fmt.Sprintf("%s (%s, %s/%s, Fyne %s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, FyneVersion())
}
