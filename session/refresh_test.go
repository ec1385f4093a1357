package session

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// meetStore is a keychain whose reads of the token and of the sign-in each
// wait until the other has been asked for too: a caller that reads them
// one after the other is refused.
type meetStore struct {
	storage.MemoryStore
	mu     sync.Mutex
	asked  map[string]bool
	both   chan struct{}
	missed bool
	reads  map[string]int
}

func (s *meetStore) Get(user string) (string, error) {
	kind := user[strings.LastIndex(user, "/")+1:]
	if kind == "token" || kind == "refresh-token" {
		s.mu.Lock()
		s.asked[kind] = true
		s.reads[kind]++
		if len(s.asked) == 2 && s.both != nil {
			close(s.both)
			s.both = nil
		}
		both := s.both
		s.mu.Unlock()
		if both != nil {
			select {
			case <-both:
			case <-time.After(5 * time.Second): // a bound, not a wait for something: the other read never came
				s.mu.Lock()
				s.missed = true
				s.mu.Unlock()
				return "", storage.ErrKeychainUnavailable
			}
		}
	}
	return s.MemoryStore.Get(user)
}

// TestSilentRefreshReadsAtOnce: a token request for a signed-in profile
// reads the cached token and the sign-in at once, and a refresh then uses
// that sign-in rather than reading it again.
func TestSilentRefreshReadsAtOnce(t *testing.T) {
	s := authtest.NewAuthServer(t)
	s.Refresh["rt-0"] = true
	store := &meetStore{asked: map[string]bool{}, both: make(chan struct{}), reads: map[string]int{}}
	keys := storage.NewKeychain(store)
	m := NewManager(keys, auth.NewClient())
	p := authtest.SignInProfile(s)
	if err := keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-0", Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := keys.SetToken(p.ID, model.Token{AccessToken: "expired", TokenType: "Bearer", IssuedAt: now.Add(-2 * time.Hour),
		Expiry: now.Add(-time.Hour), Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	tok, err := m.Session(p).Token(context.Background(), false)
	if err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("got %v, %v; want the refreshed token at-1", tok, err)
	}
	if store.missed {
		t.Error("the token and the sign-in were read one after the other; want at once")
	}
	if got := store.reads["refresh-token"]; got != 1 {
		t.Errorf("the sign-in was read %d times; want once", got)
	}
}
