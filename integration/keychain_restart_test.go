package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/keyringtest"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// core is what the window keeps for its whole life: one keychain over the
// system store and one session manager, against a token server that
// counts requests and may run hook before answering.
type core struct {
	keys     *storage.Keychain
	sessions *session.Manager
	profile  model.Profile
	requests atomic.Int32
	hook     atomic.Pointer[func()]
}

func newCore(t *testing.T) *core {
	t.Helper()
	c := &core{keys: storage.NewKeychain(storage.NewSystemStore())}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := c.requests.Add(1)
		if h := c.hook.Load(); h != nil {
			(*h)()
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	t.Cleanup(srv.Close)
	c.sessions = session.NewManager(c.keys, auth.NewClient())
	c.profile = model.Profile{ID: "it-core-" + strings.ReplaceAll(t.Name(), "/", "-"), Name: "core",
		TokenURL: srv.URL + "/token", ClientID: "c", AuthStyle: model.AuthBody}
	if err := c.keys.SetClientSecret(c.profile.ID, "s"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.keys.Forget(c.profile.ID) })
	return c
}

// TestCoreSurvivesKeyringRestart: the window's core keeps reading the
// client secret and caching tokens after gnome-keyring is killed and
// started again.
func TestCoreSurvivesKeyringRestart(t *testing.T) {
	need(t)
	conn := keyringtest.Conn(t)
	c := newCore(t)
	s := c.sessions.Session(c.profile)
	if _, err := s.Token(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		keyringtest.Kill(t, conn)
		keyringtest.Start(t, conn)
		tok, err := s.Token(context.Background(), true) // reads the secret, caches the token
		if err != nil {
			t.Fatalf("round %d: token after restart: %v", round, err)
		}
		if st := s.Status(tok.IssuedAt); st.MemoryOnly {
			t.Errorf("round %d: token not cached after restart: %v", round, st.CacheErr)
		}
		if got, err := c.keys.Token(c.profile.ID); err != nil || got.AccessToken != tok.AccessToken {
			t.Errorf("round %d: cached token %v; want the new one", round, err)
		}
	}
}

// TestCoreLockedWhileCaching: the keychain locks while a token is being
// fetched; the token is handed out and used from memory, and the reason
// says locked, not too large.
func TestCoreLockedWhileCaching(t *testing.T) {
	need(t)
	conn := keyringtest.Conn(t)
	c := newCore(t)
	lock := func() { keyringtest.Lock(t, conn) }
	c.hook.Store(&lock)
	t.Cleanup(func() { keyringtest.Start(t, conn) }) // unlocks it again

	s := c.sessions.Session(c.profile)
	tok, err := s.Token(context.Background(), true)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	st := s.Status(tok.IssuedAt)
	if !st.MemoryOnly || !errors.Is(st.CacheErr, storage.ErrKeychainLocked) ||
		!strings.Contains(st.CacheErr.Error(), "locked") || strings.Contains(st.CacheErr.Error(), "too large") {
		t.Errorf("status: memoryOnly %v, cause %v; want true, locked", st.MemoryOnly, st.CacheErr)
	}
	again, err := s.Token(context.Background(), false)
	if err != nil || again.AccessToken != tok.AccessToken || c.requests.Load() != 1 {
		t.Errorf("second token: %v after %d requests; want the same token from memory", err, c.requests.Load())
	}
	if got, err := c.keys.Token(c.profile.ID); err != nil || got.AccessToken != tok.AccessToken {
		t.Errorf("keychain's token: %v; want it from memory", err)
	}
}
