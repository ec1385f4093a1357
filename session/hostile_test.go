package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

func TestCancel(t *testing.T) {
	m, _, _ := manager(t)
	s := m.Session(authtest.Profile(authtest.Hang(t), model.AuthBody))
	started := make(chan struct{})
	m.OnChange = func(string) {
		select {
		case <-started:
		default:
			close(started)
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.Token(context.Background(), true); done <- err }()
	<-started
	s.Cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("got %v; want cancelled", err)
	}
}

// TestHammerOneSession drives one session from many goroutines while a
// ticker reads its status, for the race detector.
func TestHammerOneSession(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"t%d","token_type":"bearer","expires_in":90}`, i)
	})
	m, _, _ := manager(t)
	p := authtest.Profile(srv, model.AuthBody)
	p.AutoRefresh = true
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s := m.Session(p)
				_ = s.Status(time.Now())
				s.AutoRefresh(time.Now())
			}
		}
	})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			s := m.Session(p)
			for j := range 20 {
				switch (i + j) % 4 {
				case 0:
					_, _ = s.Token(context.Background(), false)
				case 1:
					_, _ = s.Token(context.Background(), true)
				case 2:
					s.Fetch()
				case 3:
					_ = s.Status(time.Now())
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	ticker.Wait()
	if st := m.Session(p).Status(time.Now()); st.Token == nil && st.Err == nil && st.State != StateFetching {
		t.Errorf("after the hammering: %+v", st)
	}
}
