package storage

import (
	"context"
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

// TestCredentialFollowsReferences: the one helper for "the profile's
// secret, wherever it lives" reads the keychain or the reference by the
// profile's style, and a cancelled request cancels the resolution.
func TestCredentialFollowsReferences(t *testing.T) {
	k := NewKeychain(&MemoryStore{})
	own := testProfile("own")
	own.ID = "own1"
	if err := k.SetClientSecret(own.ID, "kept"); err != nil {
		t.Fatal(err)
	}
	ref := testProfile("ref")
	ref.ID, ref.SecretRef = "ref1", "cmd:echo from-ref"
	key := ref
	key.AuthStyle = model.AuthPrivateKeyJWT
	if err := k.SetClientSecret(key.ID, "basic-secret"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		get  func(context.Context, model.Profile) (string, error)
		p    model.Profile
		want string
	}{
		{"secret in the keychain", k.Secret, own, "kept"},
		{"secret from a reference", k.Secret, ref, "from-ref"},
		{"credential from a reference", k.Credential, ref, "from-ref"},
		{"key from the reference of a key style", k.Key, key, "from-ref"},
		{"client secret of a key style: the keychain's", k.Secret, key, "basic-secret"},
	}
	for _, tt := range tests {
		if got, err := tt.get(context.Background(), tt.p); got != tt.want || err != nil {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := testProfile("slow")
	slow.ID, slow.SecretRef = "slow1", "cmd:sleep 60"
	if _, err := k.Credential(ctx, slow); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v; want context.Canceled", err)
	}
}
