package core

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A shared file that names secret references does not get them imported:
// it would choose both where a token request goes and which of the
// person's secrets it carries, and a cmd: reference would run a program.
func TestImportSharedLeavesReferencesOut(t *testing.T) {
	f := newFixture(t)
	marker := filepath.Join(t.TempDir(), "pwned")
	shared := `{"tokendeskProfiles":"1","profiles":[{"name":"shared","tokenUrl":"https://auth.example.com/token","clientId":"cid",
		"secretRef":"cmd:touch ` + marker + `",
		"headers":[{"name":"X-Api-Key","secret":true,"ref":"op://team/api/key"}]}]}`
	added, _, notes, err := f.desk.ImportShared(strings.NewReader(shared))
	if err != nil || len(added) != 1 {
		t.Fatalf("import: added %v, err %v; want one profile", added, err)
	}
	file, err := f.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := file.ByName("shared")
	if err != nil {
		t.Fatal(err)
	}
	if p.SecretRef != "" || p.Headers[0].Ref != "" {
		t.Errorf("saved secretRef %q, header ref %q; want both left out", p.SecretRef, p.Headers[0].Ref)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "cmd:touch") || !strings.Contains(notes[1], "--secret-header 'X-Api-Key: op://team/api/key'") {
		t.Errorf("notes %q; want one per reference, with the command that sets it again", notes)
	}
	_, _, _ = f.desk.Token(context.Background(), p, false) // fails: no secret; must not run the command
	if _, err := os.Stat(marker); err == nil {
		t.Error("the imported cmd: reference ran")
	}
}
