package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

// sender is a store that can file without waiting, and counts each way.
type sender struct {
	MemoryStore
	sends, sets int
	fail        error
}

func (s *sender) Send(user, value string) error {
	s.sends++
	if s.fail != nil {
		return s.fail
	}
	return s.MemoryStore.Set(user, value)
}

func (s *sender) Set(user, value string) error {
	s.sets++
	return s.MemoryStore.Set(user, value)
}

// TestSendToken: SendToken files through Send where the store has it, and
// a failure there keeps the token in memory, as SetToken does, without a
// second try; a store without Send is written as SetToken writes.
func TestSendToken(t *testing.T) {
	tok := model.Token{AccessToken: "at", Fingerprint: "fp"}
	tests := []struct {
		name               string
		store              SecretStore
		wantMem            bool
		wantSends, wantSet int
	}{
		{"sender", &sender{}, false, 1, 0},
		{"sender refuses", &sender{fail: ErrKeychainLocked}, true, 1, 0},
		{"plain store", &MemoryStore{}, false, 0, 0},
	}
	for _, tt := range tests {
		k := NewKeychain(tt.store)
		mem, err := k.SendToken("p1", tok)
		if mem != tt.wantMem || (err != nil) != tt.wantMem {
			t.Errorf("%s: memoryOnly %v, %v; want %v", tt.name, mem, err, tt.wantMem)
		}
		if tt.wantMem && !errors.Is(k.TokenCacheErr("p1"), ErrKeychainLocked) {
			t.Errorf("%s: cache error %v; want ErrKeychainLocked", tt.name, k.TokenCacheErr("p1"))
		}
		if got, err := k.Token("p1"); err != nil || got.AccessToken != "at" {
			t.Errorf("%s: Token: got %v, %v; want the token sent", tt.name, got, err)
		}
		if s, ok := tt.store.(*sender); ok && (s.sends != tt.wantSends || s.sets != tt.wantSet) {
			t.Errorf("%s: %d sends, %d sets; want %d, %d", tt.name, s.sends, s.sets, tt.wantSends, tt.wantSet)
		}
	}
}

// TestSendTokenMarks: sending through the marking wrapper sends, and
// leaves the window its marker.
func TestSendTokenMarks(t *testing.T) {
	dir, s := t.TempDir(), &sender{}
	k := NewKeychain(MarkTokens(s, dir))
	if _, err := k.SendToken("p1", model.Token{AccessToken: "at", Fingerprint: "fp"}); err != nil {
		t.Fatal(err)
	}
	if s.sends != 1 || s.sets != 0 {
		t.Errorf("%d sends, %d sets; want 1 send", s.sends, s.sets)
	}
	if _, err := os.Stat(filepath.Join(dir, MarksDir, markName("p1"))); err != nil {
		t.Errorf("marker: %v; want one", err)
	}
}
