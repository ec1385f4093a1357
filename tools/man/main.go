// Command man writes Token Desk's manual pages, one per command, from the
// same command tree as `tokendesk --help` (tokendesk.1, tokendesk-token.1, …).
//
//	go run ./tools/man -o dist/man
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"
	"github.com/tokendesk/tokendesk/cli"
	"github.com/tokendesk/tokendesk/internal/version"
)

func main() {
	out := flag.String("o", "man", "directory to write the pages to")
	flag.Parse()
	root := cli.Command(cli.Env{Version: version.Version})
	root.DisableAutoGenTag = true // the pages change only when the commands do
	header := &doc.GenManHeader{Title: "TOKENDESK", Section: "1", Source: "Token Desk " + version.Version, Manual: "Token Desk Manual"}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "man:", err)
		os.Exit(1)
	}
	if err := doc.GenManTree(root, header, *out); err != nil {
		fmt.Fprintln(os.Stderr, "man:", err)
		os.Exit(1)
	}
}
