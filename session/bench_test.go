package session

import (
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// BenchmarkStatus is the per-row, per-tick cost of the countdowns.
func BenchmarkStatus(b *testing.B) {
	keys := storage.NewKeychain(&storage.MemoryStore{})
	m := NewManager(keys, auth.NewClient())
	p := model.Profile{ID: "p", Name: "p", TokenURL: "https://a.example/token", ClientID: "c"}
	now := time.Now()
	_, _ = keys.SetToken("p", model.Token{AccessToken: "t", IssuedAt: now, Expiry: now.Add(time.Hour), Fingerprint: p.Fingerprint()})
	s := m.Session(p)
	s.Load()
	b.ReportAllocs()
	for b.Loop() {
		if st := s.Status(now); st.State != StateValid {
			b.Fatal(st.State)
		}
	}
}
