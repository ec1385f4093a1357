package ui

import (
	"fmt"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

// BenchmarkFilterKeystroke is one keystroke in the filter box with 1,000
// profiles: the list is narrowed and redrawn (on the headless driver).
func BenchmarkFilterKeystroke(b *testing.B) {
	profiles := make([]model.Profile, 1000)
	for i := range profiles {
		profiles[i] = prof(fmt.Sprintf("p%d", i), fmt.Sprintf("medplum-%04d", i), []string{"local", "staging", "prod"}[i%3], "https://a.example/token")
	}
	h := newHarness(b, profiles...)
	b.ResetTimer()
	filters := []string{"m", "me", "med", "medplum-00", "medplum-001", "prod", ""}
	i := 0
	for b.Loop() {
		h.u.filterEntry.SetText(filters[i%len(filters)])
		i++
	}
}
