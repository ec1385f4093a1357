package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

func TestSessionSharesOneRequest(t *testing.T) {
	var requests atomic.Int32
	release := make(chan struct{})
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
		fmt.Fprint(w, `{"access_token":"shared","token_type":"bearer","expires_in":600}`)
	})
	m, _, _ := manager(t)
	s := m.Session(authtest.Profile(srv, model.AuthBody))
	s.Fetch() // the request is under way before any caller arrives
	var wg sync.WaitGroup
	const callers = 20
	got := make([]string, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.Token(context.Background(), false)
			if err == nil {
				got[i] = tok.AccessToken
			}
		}()
	}
	close(release)
	wg.Wait()
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
	for i, g := range got {
		if g != "shared" {
			t.Errorf("caller %d got %q", i, g)
		}
	}
}

func TestSessionLifecycle(t *testing.T) {
	var requests atomic.Int32
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":600}`, n)
	})
	m, keys, now := manager(t)
	p := authtest.Profile(srv, model.AuthBody)
	s := m.Session(p)
	if st := s.Status(*now); st.State != StateNone {
		t.Fatalf("fresh session: %v", st.State)
	}
	tok, err := s.Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Status(*now)
	if st.State != StateValid || st.Left != 10*time.Minute {
		t.Errorf("after fetch: %v, %v left", st.State, st.Left)
	}
	// The token is cached in the keychain: a new manager (another process) reuses it.
	m2 := NewManager(keys, auth.NewClient())
	m2.Now = m.Now
	if t2, err := m2.Session(p).Token(context.Background(), false); err != nil || t2.AccessToken != tok.AccessToken {
		t.Errorf("second process got %v, %v; want the cached token", t2, err)
	}
	*now = now.Add(9*time.Minute + 15*time.Second)
	if st := s.Status(*now); st.State != StateExpiring || st.Left != 45*time.Second {
		t.Errorf("near expiry: %v, %v left", st.State, st.Left)
	}
	// Under the margin, Token asks for a new one.
	if tok2, _ := s.Token(context.Background(), false); tok2.AccessToken != "tok-2" {
		t.Errorf("got %q; want a new token under the margin", tok2.AccessToken)
	}
	*now = now.Add(11 * time.Minute)
	if st := s.Status(*now); st.State != StateExpired {
		t.Errorf("after expiry: %v", st.State)
	}
	if _, err := s.Token(context.Background(), true); err != nil || requests.Load() != 3 {
		t.Errorf("force: %v, %d requests", err, requests.Load())
	}
	// Editing what decides the token drops it.
	p.Scopes = []string{"other"}
	if st := m.Session(p).Status(*now); st.State != StateNone {
		t.Errorf("after a scope change: %v; want no token", st.State)
	}
}

func TestSessionFailure(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Invalid secret"}`)
	})
	m, _, now := manager(t)
	s := m.Session(authtest.Profile(srv, model.AuthBody))
	if _, err := s.Token(context.Background(), false); err == nil {
		t.Fatal("no error")
	}
	st := s.Status(*now)
	if st.State != StateFailed || !strings.Contains(st.Err.Error(), "Invalid secret") {
		t.Errorf("got %v %v", st.State, st.Err)
	}
}

func TestSecretMissing(t *testing.T) {
	m := NewManager(storage.NewKeychain(&storage.MemoryStore{}), auth.NewClient())
	_, err := m.Session(model.Profile{ID: "x", Name: "x", TokenURL: "https://a.example/token", ClientID: "c"}).Token(context.Background(), false)
	if !errors.Is(err, storage.ErrSecretMissing) {
		t.Errorf("got %v; want ErrSecretMissing", err)
	}
}

func TestAutoRefresh(t *testing.T) {
	var requests atomic.Int32
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, `{"access_token":"t","token_type":"bearer","expires_in":1000}`)
	})
	m, _, now := manager(t)
	p := authtest.Profile(srv, model.AuthBody)
	p.AutoRefresh = true
	s := m.Session(p)
	if _, err := s.Token(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if s.RefreshDue(now.Add(799 * time.Second)) {
		t.Error("refresh due before 80 % of the lifetime")
	}
	if !s.RefreshDue(now.Add(800 * time.Second)) {
		t.Error("refresh not due at 80 % of the lifetime")
	}
}

// manager returns a Manager with a fake keychain holding the test secret
// for profile p1, and a clock the test moves.
func manager(t *testing.T) (*Manager, *storage.Keychain, *time.Time) {
	t.Helper()
	keys := storage.NewKeychain(&storage.MemoryStore{})
	if err := keys.SetClientSecret("p1", authtest.Secret); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	m := NewManager(keys, auth.NewClient())
	m.Now = func() time.Time { return now }
	return m, keys, &now
}
