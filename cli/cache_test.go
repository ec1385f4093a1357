package cli

import (
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/storage"
)

// tokenRefusingStore is a keychain that takes everything but tokens.
type tokenRefusingStore struct {
	*storage.MemoryStore
	err error
}

func (s tokenRefusingStore) Set(user, value string) error {
	if strings.HasSuffix(user, "/token") {
		return s.err
	}
	return s.MemoryStore.Set(user, value)
}

// TestTokenNotCachedSaysWhy: a token the keychain cannot cache is still
// printed, and the note names the real cause; only "too large" says too
// large.
func TestTokenNotCachedSaysWhy(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{storage.ErrKeychainLocked, "keychain is locked"},
		{storage.ErrKeychainUnavailable, "no keychain is available"},
		{storage.ErrTooLarge, "too large"},
	}
	for _, tt := range tests {
		f := newFixture(t)
		f.env.Keys = storage.NewKeychain(tokenRefusingStore{f.mem, tt.err})
		f.add("p")
		out, stderr, code := f.run("", "token", "p")
		if code != 0 || out != "tok-1\n" {
			t.Errorf("%v: token %q, exit %d; want tok-1, 0", tt.err, out, code)
		}
		if !strings.Contains(stderr, "not cached") || !strings.Contains(stderr, tt.want) ||
			tt.err != storage.ErrTooLarge && strings.Contains(stderr, "too large") {
			t.Errorf("%v: got stderr %q; want a note saying %q", tt.err, stderr, tt.want)
		}
	}
}
