package session

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// Short-lived tokens: the window's ticker refreshes each token once, near
// its end; the CLI reuses a token with time left; a profile never sends
// more than a handful of requests a minute on its own.
func TestNoRefreshStorm(t *testing.T) {
	for _, life := range []int{45, 60, 2} {
		t.Run(fmt.Sprintf("%ds tokens", life), func(t *testing.T) {
			m, clk := stormManager(t)
			st, srv := newStormServer(t, clk, life)
			p := authtest.Profile(srv, model.AuthBody)
			p.AutoRefresh = true
			s := m.Session(p)
			if _, err := s.Token(context.Background(), false); err != nil {
				t.Fatal(err)
			}
			for range 5 { // the CLI, called again and again
				if _, err := s.Token(context.Background(), false); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(st.times()); n != 1 {
				t.Errorf("%d requests for 6 calls in a row; want 1", n)
			}
			const ticks = 600 // ten minutes of the window's ticker
			for range ticks {
				clk.add(time.Second)
				s.AutoRefresh(clk.Now())
				wait(s)
			}
			at := st.times()
			// One refresh per token, at 80 % of its lifetime: 13 for 45 s
			// tokens over ten minutes, not one per tick.
			wantMost := 2 + ticks/max(life*8/10, int(minAutoGap/time.Second))
			if len(at) > wantMost {
				t.Errorf("%d requests in %d s; want at most %d", len(at), ticks, wantMost)
			}
			if n := busiestMinute(at[1:]); n > 4 { // the first a person asked for
				t.Errorf("%d auto-refreshes in one minute; want at most 4", n)
			}
		})
	}
}

// A failing auto-refresh is retried after a growing backoff while the
// token is still valid, and then left to a person.
func TestAutoRefreshBackoff(t *testing.T) {
	m, clk := stormManager(t)
	st, srv := newStormServer(t, clk, 3600)
	p := authtest.Profile(srv, model.AuthBody)
	p.AutoRefresh = true
	s := m.Session(p)
	if _, err := s.Token(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.failing = true
	st.mu.Unlock()
	for range 2 * 3600 {
		clk.add(time.Second)
		s.AutoRefresh(clk.Now())
		wait(s)
	}
	at := st.times()[1:]
	start := st.times()[0]
	var offsets []time.Duration
	for _, a := range at {
		offsets = append(offsets, a.Sub(start))
	}
	// Due at 2880 s (80 %), then 30 s, 1, 2 and 4 minutes later; the next
	// would be after the token expired at 3600 s.
	want := []time.Duration{2880 * time.Second, 2910 * time.Second, 2970 * time.Second, 3090 * time.Second, 3330 * time.Second}
	if fmt.Sprint(offsets) != fmt.Sprint(want) {
		t.Errorf("%d auto-refreshes, at %v…; want them at %v", len(offsets), offsets[:min(len(offsets), 8)], want)
	}
}

// A hostile token cached by an earlier version is not handed out from the
// keychain: a new one is fetched.
func TestHostileCachedTokenNotUsed(t *testing.T) {
	var requests atomic.Int32
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, `{"access_token":"fresh","token_type":"Bearer","expires_in":3600}`)
	})
	keys := storage.NewKeychain(&storage.MemoryStore{})
	if err := keys.SetClientSecret("p1", authtest.Secret); err != nil {
		t.Fatal(err)
	}
	p := authtest.Profile(srv, model.AuthBody)
	for _, bad := range []model.Token{
		{AccessToken: "abc", TokenType: "Bearer\x1b[31m\r\nX-Injected: 1"},
		{AccessToken: "abc\r\nX-Injected: 1", TokenType: "Bearer"},
	} {
		bad.IssuedAt, bad.Expiry, bad.Fingerprint = time.Now(), time.Now().Add(time.Hour), p.Fingerprint()
		if _, err := keys.SetToken(p.ID, bad); err != nil {
			t.Fatal(err)
		}
		requests.Store(0)
		tok, err := NewManager(keys, auth.NewClient()).Session(p).Token(context.Background(), false)
		if err != nil || tok.AccessToken != "fresh" || requests.Load() != 1 {
			t.Errorf("cached %q %q: got %v, %v after %d requests; want a fresh token", bad.AccessToken, bad.TokenType, tok, err, requests.Load())
		}
	}
}

// The test call's failures read as the token request's do: one mapping of
// timeouts and refused connections.
func TestProbeFailuresDescribed(t *testing.T) {
	down := authtest.Server(t, http.NotFound)
	downURL := down.URL
	down.Close()
	p := model.Profile{Name: "d", TokenURL: downURL + "/token", BaseURL: downURL + "/", ClientID: "c"}
	_, err := auth.NewClient().Probe(context.Background(), p, &model.Token{AccessToken: "tok"}, "x", auth.ProbeAuth{})
	if err == nil || !strings.Contains(err.Error(), "connection refused (is the server running?)") {
		t.Errorf("got %v; want the refused connection named", err)
	}
}

// clock is a settable clock safe to read from the fetch goroutines.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func (c *clock) add(d time.Duration) { c.set(c.Now().Add(d)) }

// wait waits for the session's request under way, if any.
func wait(s *Session) {
	s.mu.Lock()
	c := s.call
	s.mu.Unlock()
	if c != nil {
		<-c.done
	}
}

// stormServer issues tokens of the given lifetime, or fails once failing is
// set, and keeps the (fake) time of every request.
type stormServer struct {
	mu      sync.Mutex
	at      []time.Time
	failing bool
}

func newStormServer(t *testing.T, clk *clock, life int) (*stormServer, *httptest.Server) {
	st := &stormServer{}
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.at = append(st.at, clk.Now())
		failing := st.failing
		st.mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, `{"access_token":"t%d","token_type":"bearer","expires_in":%d}`, len(st.at), life)
	})
	return st, srv
}

func (st *stormServer) times() []time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]time.Time(nil), st.at...)
}

// busiestMinute is the most requests in any 60 seconds.
func busiestMinute(at []time.Time) int {
	most := 0
	for i := range at {
		n := 0
		for _, b := range at[i:] {
			if b.Sub(at[i]) < time.Minute {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func stormManager(t *testing.T) (*Manager, *clock) {
	t.Helper()
	keys := storage.NewKeychain(&storage.MemoryStore{})
	if err := keys.SetClientSecret("p1", authtest.Secret); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	m := NewManager(keys, auth.NewClient())
	m.Now = clk.Now
	return m, clk
}
