package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/authtest"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
)

// TestSecretRef: a profile whose secret is a reference sends what the
// reference resolves to, asks the tool once per process (every time when
// the profile says so, and again after the server refused it), and keeps
// nothing in the keychain but the token.
func TestSecretRef(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\necho x >> " + filepath.Join(dir, "calls") + "\nprintf '%s\\n' '" + authtest.Secret + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "getsecret"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	calls := func() int {
		data, _ := os.ReadFile(filepath.Join(dir, "calls"))
		return strings.Count(string(data), "x")
	}
	var refuse atomic.Bool
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("client_secret") != authtest.Secret || refuse.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"tok","token_type":"bearer","expires_in":600}`)
	})
	store := &storage.MemoryStore{}
	m := NewManager(storage.NewKeychain(store), auth.NewClient())
	p := authtest.Profile(srv, model.AuthBody)
	p.SecretRef = "cmd:getsecret"
	s := m.Session(p)
	for i := range 2 {
		if _, err := s.Token(context.Background(), true); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if n := calls(); n != 1 {
		t.Errorf("the command ran %d times for two fetches; want 1", n)
	}
	if _, err := storage.NewKeychain(store).ClientSecret(p.ID); !errors.Is(err, storage.ErrSecretMissing) || store.Len() != 1 {
		t.Errorf("keychain: %d entries, client secret %v; want the token only", store.Len(), err)
	}

	refuse.Store(true)
	if _, err := s.Token(context.Background(), true); err == nil {
		t.Fatal("refused: no error")
	}
	refuse.Store(false)
	if _, err := s.Token(context.Background(), true); err != nil || calls() != 2 {
		t.Errorf("after a refusal: %v, the command ran %d times; want 2 (read again)", err, calls())
	}

	p.SecretRefNoCache = true
	s = m.Session(p)
	for range 2 {
		if _, err := s.Token(context.Background(), true); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls(); n != 4 {
		t.Errorf("no cache: the command ran %d times in all; want 4", n)
	}

	p.SecretRef = "cmd:no-such-tool-here"
	_, err := m.Session(p).Token(context.Background(), true)
	var re *secretref.Error
	if !errors.As(err, &re) || !errors.Is(err, secretref.ErrNoTool) {
		t.Errorf("missing tool: %v; want a *secretref.Error, ErrNoTool", err)
	}
}
