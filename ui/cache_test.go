package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// TestCacheRowSaysWhy: a memory-only token's "Cache" row names the real
// cause; only "too large" says too large.
func TestCacheRowSaysWhy(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{storage.ErrKeychainLocked, "keychain is locked"},
		{storage.ErrKeychainUnavailable, "no keychain is available"},
		{storage.ErrTooLarge, "too large"},
	}
	tok := &model.Token{AccessToken: "t", IssuedAt: time.Now()}
	for _, tt := range tests {
		var got string
		for _, r := range tokenRows(model.Profile{}, tok, session.Status{Token: tok, MemoryOnly: true, CacheErr: tt.err}) {
			if r[0] == "Cache" {
				got = r[1]
			}
		}
		if !strings.Contains(got, "memory only") || !strings.Contains(got, tt.want) ||
			tt.err != storage.ErrTooLarge && strings.Contains(got, "too large") {
			t.Errorf("%v: got Cache row %q; want memory only, saying %q", tt.err, got, tt.want)
		}
	}
}
