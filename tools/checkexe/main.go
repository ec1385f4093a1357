// Command checkexe checks release binaries: built with -trimpath, stripped
// (no symbol table, no DWARF), the version linked in; and for Windows, where
// they cannot run here, a PE32+ file for amd64, a console CLI and a
// GUI-subsystem window, with the icon and version resources.
//
//	go run ./tools/checkexe -version v1.2.3 tokendesk.exe tokendesk-gui.exe
//	go run ./tools/checkexe -version v1.2.3 bin/tokendesk bin/tokendesk-gui
package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/pe"
	"flag"
	"fmt"
	"os"
	"strings"
	"unicode/utf16"
)

func main() {
	ver := flag.String("version", "", "the version that must be embedded")
	flag.Parse()
	failed := false
	for _, path := range flag.Args() {
		if err := check(path, *ver); err != nil {
			fmt.Fprintf(os.Stderr, "checkexe: %s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("checkexe: %s: ok\n", path)
	}
	if failed || flag.NArg() == 0 {
		os.Exit(1)
	}
}

func check(path, ver string) error {
	if err := checkBuild(path, ver); err != nil {
		return err
	}
	if ef, err := elf.Open(path); err == nil {
		defer ef.Close()
		for _, sec := range ef.Sections {
			if sec.Name == ".symtab" || strings.HasPrefix(sec.Name, ".debug") || strings.HasPrefix(sec.Name, ".zdebug") {
				return fmt.Errorf("not stripped: section %s", sec.Name)
			}
		}
		return nil
	}
	return checkPE(path, ver)
}

// checkBuild checks what every release binary has: -trimpath, and the
// version linked in. (-trimpath keeps -ldflags out of the build
// information, so the version is looked for in the file itself.)
func checkBuild(path, ver string) error {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return err
	}
	trimmed := false
	for _, s := range bi.Settings {
		trimmed = trimmed || (s.Key == "-trimpath" && s.Value == "true")
	}
	if !trimmed {
		return fmt.Errorf("not built with -trimpath")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Contains(raw, []byte(ver)) {
		return fmt.Errorf("version %s is not embedded", ver)
	}
	return nil
}

func checkPE(path, ver string) error {
	f, err := pe.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return fmt.Errorf("machine %#x, not amd64", f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return fmt.Errorf("not PE32+")
	}
	want := uint16(pe.IMAGE_SUBSYSTEM_WINDOWS_CUI)
	if strings.Contains(path, "-gui") {
		want = pe.IMAGE_SUBSYSTEM_WINDOWS_GUI // no console window behind the app
	}
	if oh.Subsystem != want {
		return fmt.Errorf("subsystem %d, want %d", oh.Subsystem, want)
	}
	rsrc := f.Section(".rsrc")
	if rsrc == nil {
		return fmt.Errorf("no resources (icon, version): was tools/winres run?")
	}
	data, err := rsrc.Data()
	if err != nil {
		return err
	}
	for _, s := range []string{"ProductVersion", "Token Desk", ver} {
		if !bytes.Contains(data, utf16le(s)) {
			return fmt.Errorf("the version resource lacks %q", s)
		}
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return err
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != "windows" || settings["GOARCH"] != "amd64" {
		return fmt.Errorf("built for %s/%s", settings["GOOS"], settings["GOARCH"])
	}
	if f.FileHeader.NumberOfSymbols != 0 {
		return fmt.Errorf("not stripped: %d symbols", f.FileHeader.NumberOfSymbols)
	}
	for _, sec := range f.Sections {
		if strings.HasPrefix(sec.Name, ".debug") || strings.HasPrefix(sec.Name, ".zdebug") {
			return fmt.Errorf("not stripped: section %s", sec.Name)
		}
	}
	return nil
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
