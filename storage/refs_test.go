package storage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
)

// TestHeaderRef: a secret header whose value comes from a reference is
// resolved with the keychain's other header values and never stored.
func TestHeaderRef(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "getkey"), []byte("#!/bin/sh\necho gw-key-from-ref\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	mem := &MemoryStore{}
	k := NewKeychain(mem)
	p := testProfile("gw")
	p.ID = "gw1"
	p.Headers = []model.Header{
		{Name: "X-Api-Key", Secret: true, Ref: "cmd:getkey"},
		{Name: "X-Other", Value: "typed", Secret: true},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.SaveHeaderValues(p); err != nil {
		t.Fatal(err)
	}
	vals, _ := k.HeaderValues(p.ID)
	if len(vals) != 1 || vals["X-Other"] != "typed" {
		t.Errorf("keychain holds %v; want X-Other only", vals)
	}
	got, err := k.Resolve(p)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Headers[0].Value; v != "gw-key-from-ref" {
		t.Errorf("X-Api-Key = %q; want the command's output", v)
	}

	p.Headers[0].Ref = "cmd:no-such-program-here"
	if _, err := k.Resolve(p); !errors.Is(err, secretref.ErrNoTool) || !strings.Contains(err.Error(), "header X-Api-Key") {
		t.Errorf("a failing reference: %v; want ErrNoTool naming the header", err)
	}

	for _, h := range []model.Header{{Name: "X-A", Ref: "cmd:getkey"}, {Name: "X-A", Secret: true, Ref: "op://x"}} {
		q := testProfile("bad")
		q.Headers = []model.Header{h}
		if err := q.Validate(); err == nil {
			t.Errorf("header %+v: valid; want an error", h)
		}
	}
}
