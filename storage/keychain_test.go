package storage

import (
	"errors"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
	"github.com/zalando/go-keyring"
)

// refusingStore refuses every Set with err.
type refusingStore struct {
	MemoryStore
	err error
}

func (s *refusingStore) Set(string, string) error { return s.err }

// TestSetTokenMemoryOnly: whatever keeps the keychain from caching a token,
// the token is still used from memory, and the cause is named for what it
// is: only "too large" is called too large.
func TestSetTokenMemoryOnly(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     error
		wantText string
	}{
		{"too large", &keychainError{kind: ErrTooLarge}, ErrTooLarge, "too large"},
		{"locked", &keychainError{kind: ErrKeychainLocked}, ErrKeychainLocked, "locked"},
		{"timed out", errTimeout(nil), ErrKeychainLocked, "did not answer in time"},
		{"not running", &keychainError{kind: ErrKeychainUnavailable}, ErrKeychainUnavailable, "no keychain is available"},
		{"refused", &keychainError{kind: ErrKeychainRefused}, ErrKeychainRefused, "refused access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := NewKeychain(&refusingStore{err: tt.err})
			tok := model.Token{AccessToken: "tok-" + tt.name, Fingerprint: "fp"}
			memOnly, err := k.SetToken("p", tok)
			if !memOnly || !errors.Is(err, tt.want) {
				t.Errorf("SetToken: memoryOnly %v, %v; want true, %v", memOnly, err, tt.want)
			}
			why := k.TokenCacheErr("p")
			if why == nil || !errors.Is(why, tt.want) || !strings.Contains(why.Error(), tt.wantText) ||
				tt.want != ErrTooLarge && strings.Contains(why.Error(), "too large") {
				t.Errorf("TokenCacheErr: got %v; want %v saying %q (and only too large saying too large)", why, tt.want, tt.wantText)
			}
			if got, err := k.Token("p"); err != nil || got.AccessToken != tok.AccessToken {
				t.Errorf("Token: got %q, %v; want the token from memory", got.AccessToken, err)
			}
			if err := k.DeleteToken("p"); err != nil || k.TokenCacheErr("p") != nil {
				t.Errorf("after DeleteToken: %v, cause %v; want nil, nil", err, k.TokenCacheErr("p"))
			}
		})
	}
}

// TestSetTokenCachedClearsMemory: a token the keychain takes again is no
// longer memory-only.
func TestSetTokenCachedClearsMemory(t *testing.T) {
	s := &refusingStore{err: &keychainError{kind: ErrKeychainLocked}}
	k := NewKeychain(s)
	if memOnly, _ := k.SetToken("p", model.Token{AccessToken: "a"}); !memOnly {
		t.Fatal("got cached; want memory-only while locked")
	}
	k.store = &MemoryStore{}
	memOnly, err := k.SetToken("p", model.Token{AccessToken: "b"})
	if memOnly || err != nil || k.TokenCacheErr("p") != nil {
		t.Errorf("got memoryOnly %v, %v, cause %v; want false, nil, nil", memOnly, err, k.TokenCacheErr("p"))
	}
	if got, _ := k.Token("p"); got.AccessToken != "b" {
		t.Errorf("got token %q; want %q", got.AccessToken, "b")
	}
}

// TestKeyringError: go-keyring's errors map by identity.
func TestKeyringError(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{keyring.ErrNotFound, ErrNotFound},
		{keyring.ErrSetDataTooBig, ErrTooLarge},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := keyringError(tt.in); !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
			t.Errorf("keyringError(%v): got %v; want %v", tt.in, got, tt.want)
		}
	}
}
