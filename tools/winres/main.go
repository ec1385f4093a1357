// Command winres writes the Windows resources of a Token Desk binary — the
// app icon (from the 512 px Icon.png, at the sizes Explorer asks for), the
// version information Explorer's Properties show, and a manifest (per-monitor
// DPI awareness, no elevation) — as a .syso object that `go build` links in
// for GOOS=windows. It does what `fyne package -os windows` does for the icon
// and version, for both binaries, with our own build flags (fyne package
// sets its own -ldflags, and so would drop the version we embed).
//
//	go run . -icon ../../Icon.png -version v1.2.3 \
//	    -name tokendesk-gui -o ../../rsrc_windows_amd64.syso
package main

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"regexp"
	"strconv"

	"github.com/tc-hib/winres"
	"github.com/tc-hib/winres/version"
)

func main() {
	iconPath := flag.String("icon", "", "PNG app icon (512 px)")
	ver := flag.String("version", "dev", "version, as git describe prints it")
	name := flag.String("name", "tokendesk", "file name without .exe")
	desc := flag.String("description", "Token Desk", "file description")
	out := flag.String("o", "rsrc_windows_amd64.syso", "output object file")
	flag.Parse()
	if err := run(*iconPath, *ver, *name, *desc, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

func run(iconPath, ver, name, desc, out string) error {
	f, err := os.Open(iconPath)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", iconPath, err)
	}
	icon, err := winres.NewIconFromResizedImage(img, []int{256, 64, 48, 32, 24, 16})
	if err != nil {
		return err
	}
	var rs winres.ResourceSet
	if err := rs.SetIcon(winres.Name("APP"), icon); err != nil {
		return err
	}
	var vi version.Info
	numeric := numericVersion(ver)
	vi.SetFileVersion(numeric)
	vi.SetProductVersion(numeric)
	for k, v := range map[string]string{
		version.ProductName:      "Token Desk",
		version.ProductVersion:   ver,
		version.FileVersion:      ver,
		version.FileDescription:  desc,
		version.InternalName:     name,
		version.OriginalFilename: name + ".exe",
		version.CompanyName:      "The Token Desk developers",
		version.LegalCopyright:   "The Token Desk developers",
	} {
		if err := vi.Set(version.LangDefault, k, v); err != nil {
			return err
		}
	}
	rs.SetVersionInfo(vi)
	rs.SetManifest(winres.AppManifest{
		Description:         desc,
		Compatibility:       winres.Win10AndAbove,
		ExecutionLevel:      winres.AsInvoker,
		DPIAwareness:        winres.DPIPerMonitorV2,
		UseCommonControlsV6: true,
		LongPathAware:       true,
	})
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := rs.WriteObject(w, winres.ArchAMD64); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// numericVersion turns git describe's v1.2.3-4-gabcdef into 1.2.3.4, the
// four numbers Windows keeps; a version without numbers is 0.0.0.0.
func numericVersion(v string) string {
	m := regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g)?`).FindStringSubmatch(v)
	if m == nil {
		return "0.0.0.0"
	}
	n := [4]int{}
	for i := range 4 {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], n[3])
}
