package session

import (
	"context"
	"errors"
	"net/http"
	"slices"
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

// TestOneRefreshAcrossProcesses: two processes (two managers over one
// keychain and one config directory) find the same token expired at once;
// the server sees one refresh, and the second process takes the first
// one's token from the keychain.
func TestOneRefreshAcrossProcesses(t *testing.T) {
	tests := []struct {
		name     string
		noRotate bool
		// tooLarge: the keychain takes the sign-in but not the access
		// token, so B cannot take A's token and refreshes too, with the
		// refresh token A's refresh rotated in, never the one it replaced.
		tooLarge bool
	}{
		{"rotating", false, false},
		{"not rotating", true, false},
		{"rotating, token too large for the keychain", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := authtest.NewAuthServer(t)
			s.NoRotate = tt.noRotate
			s.Refresh["rt-0"] = true
			var mem storage.SecretStore = &storage.MemoryStore{}
			if tt.tooLarge {
				mem = &noTokens{}
			}
			dir := t.TempDir()
			keysA := storage.NewKeychain(storage.MarkTokens(mem, dir))
			keysB := storage.NewKeychain(storage.MarkTokens(mem, dir))
			a, b := NewManager(keysA, auth.NewClient()), NewManager(keysB, auth.NewClient())
			p := authtest.SignInProfile(s)
			if err := keysA.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-0", Fingerprint: p.Fingerprint()}); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			if _, err := keysA.SetToken(p.ID, model.Token{AccessToken: "expired", TokenType: "Bearer", IssuedAt: now.Add(-2 * time.Hour),
				Expiry: now.Add(-time.Hour), Fingerprint: p.Fingerprint()}); err != nil && !tt.tooLarge {
				t.Fatal(err)
			}
			type result struct {
				tok *model.Token
				err error
			}
			fromB := make(chan result, 1)
			refreshes := 0
			var presented []string
			s.OnRefresh = func(_ http.ResponseWriter, rt string) bool {
				refreshes++
				presented = append(presented, rt)
				if refreshes == 1 {
					// While A's refresh is at the server, B finds the
					// expired token and asks for a token too.
					b.Session(p).Load()
					go func() {
						tok, err := b.Session(p).Token(context.Background(), false)
						fromB <- result{tok, err}
					}()
				}
				return false // answered as usual
			}
			tokA, err := a.Session(p).Token(context.Background(), false)
			if err != nil {
				t.Fatalf("A: %v", err)
			}
			rb := <-fromB
			if tt.tooLarge {
				if rb.err != nil || slices.Contains(presented[1:], "rt-0") {
					t.Errorf("B: %v; refresh tokens presented %q; want a refresh with the rotated one", rb.err, presented)
				}
				return
			}
			if rb.err != nil || rb.tok.AccessToken != tokA.AccessToken {
				t.Errorf("B: got %v, %v; want the token A got", rb.tok, rb.err)
			}
			if refreshes != 1 {
				t.Errorf("refreshes at the server: got %d; want 1", refreshes)
			}
		})
	}
}

// noTokens is a keychain too small for any access token: it keeps
// everything else.
type noTokens struct{ storage.MemoryStore }

func (n *noTokens) Set(user, v string) error {
	if strings.HasSuffix(user, "/token") {
		return storage.ErrTooLarge
	}
	return n.MemoryStore.Set(user, v)
}

// TestWindowRefreshesTokenItReloaded: the window, holding the token a
// command line's refresh filed (read again on its marker), refreshes it
// when due rather than taking the same token from the keychain again.
func TestWindowRefreshesTokenItReloaded(t *testing.T) {
	s := authtest.NewAuthServer(t)
	s.Refresh["rt-0"] = true
	mem, dir := &storage.MemoryStore{}, t.TempDir()
	cliKeys := storage.NewKeychain(storage.MarkTokens(mem, dir))
	winKeys := storage.NewKeychain(storage.MarkTokens(mem, dir))
	cli, win := NewManager(cliKeys, auth.NewClient()), NewManager(winKeys, auth.NewClient())
	p := authtest.SignInProfile(s)
	p.AutoRefresh = true
	if err := cliKeys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-0", Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	win.Session(p).Load() // the window opens: no token yet
	tok, err := cli.Session(p).Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	win.Session(p).Reload() // the command line's marker
	if got := win.Session(p).Status(time.Now()).Token; got == nil || got.AccessToken != tok.AccessToken {
		t.Fatalf("window after Reload: got %v; want the command line's token", got)
	}
	later := tok.IssuedAt.Add(50 * time.Minute) // past 80 % of its hour, well before its margin
	win.Now = func() time.Time { return later }
	if !win.Session(p).AutoRefresh(later) {
		t.Fatal("auto-refresh did not start")
	}
	wait(win.Session(p))
	st := win.Session(p).Status(later)
	if st.Err != nil || st.Token == nil || st.Token.AccessToken == tok.AccessToken {
		t.Errorf("window after auto-refresh: got %v, %v; want a new token", st.Token, st.Err)
	}
}

// sendStore is a keychain that can file without waiting (storage.Sender)
// and records which way each entry was filed.
type sendStore struct {
	storage.MemoryStore
	mu  sync.Mutex
	how map[string]string // user → "set" or "send"
}

func (s *sendStore) record(user, how string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.how[user[strings.LastIndex(user, "/")+1:]] = how
}

func (s *sendStore) Set(user, value string) error {
	s.record(user, "set")
	return s.MemoryStore.Set(user, value)
}

func (s *sendStore) Send(user, value string) error {
	s.record(user, "send")
	return s.MemoryStore.Set(user, value)
}

// TestHandOff: a manager that hands off (the command line's) sends the new
// access token without waiting, and still waits for a rotated refresh
// token to be filed; one that does not (the window's) waits for both.
func TestHandOff(t *testing.T) {
	for _, handOff := range []bool{true, false} {
		s := authtest.NewAuthServer(t)
		s.Refresh["rt-0"] = true
		store := &sendStore{how: map[string]string{}}
		keys := storage.NewKeychain(store)
		m := NewManager(keys, auth.NewClient())
		m.HandOff = handOff
		p := authtest.SignInProfile(s)
		if err := keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-0", Fingerprint: p.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
		tok, err := m.Session(p).Token(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		if cached, err := keys.Token(p.ID); err != nil || cached.AccessToken != tok.AccessToken {
			t.Errorf("hand-off %v: the cached token is not the new one (%v)", handOff, err)
		}
		wantToken := "set"
		if handOff {
			wantToken = "send"
		}
		if got := store.how["token"]; got != wantToken {
			t.Errorf("hand-off %v: the access token was filed by %q; want %q", handOff, got, wantToken)
		}
		if got := store.how["refresh-token"]; got != "set" {
			t.Errorf("hand-off %v: the rotated refresh token was filed by %q; want set, waited for", handOff, got)
		}
	}
}

// failingSignIns is a keychain that refuses sign-ins while refuse is set.
type failingSignIns struct {
	storage.MemoryStore
	refuse atomic.Bool
}

func (f *failingSignIns) Set(user, v string) error {
	if strings.HasSuffix(user, "/refresh-token") && f.refuse.Load() {
		return storage.ErrKeychainLocked
	}
	return f.MemoryStore.Set(user, v)
}

// TestRotatedSignInKeptWhenKeychainRefuses: a refresh whose rotated
// refresh token the keychain will not take still hands out its token, says
// the refresh token is held in memory only, and presents and files that
// refresh token next time, never the one the server replaced.
func TestRotatedSignInKeptWhenKeychainRefuses(t *testing.T) {
	s := authtest.NewAuthServer(t)
	s.Refresh["rt-0"] = true
	var presented []string
	s.OnRefresh = func(_ http.ResponseWriter, rt string) bool {
		presented = append(presented, rt)
		return false
	}
	store := &failingSignIns{}
	keys := storage.NewKeychain(store)
	m := NewManager(keys, auth.NewClient())
	p := authtest.SignInProfile(s)
	if err := keys.SetSignIn(p.ID, model.SignIn{RefreshToken: "rt-0", Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	store.refuse.Store(true)
	sess := m.Session(p)
	tok, err := sess.Token(context.Background(), false)
	if err != nil || tok == nil {
		t.Fatalf("first refresh: %v; want the token, the keychain's refusal notwithstanding", err)
	}
	if st := sess.Status(time.Now()); !st.MemoryOnly || !errors.Is(st.CacheErr, storage.ErrKeychainLocked) || !strings.Contains(st.CacheErr.Error(), "refresh token") {
		t.Errorf("status: memory only %v, %v; want memory only, the refresh token held in memory because the keychain is locked", st.MemoryOnly, st.CacheErr)
	}
	store.refuse.Store(false)
	if _, err := sess.Token(context.Background(), true); err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if len(presented) != 2 || presented[1] == "rt-0" {
		t.Errorf("refresh tokens presented %q; want the rotated one the second time", presented)
	}
	if si, err := keys.SignIn(p.ID); err != nil || si.RefreshToken == "rt-0" || si.RefreshToken == presented[1] {
		t.Errorf("on file: %q, %v; want the refresh token the second refresh got", si.RefreshToken, err)
	}
}
