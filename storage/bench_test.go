package storage

import (
	"fmt"
	"testing"

	"github.com/tokendesk/tokendesk/internal/keyringtest"
	"github.com/zalando/go-keyring"
)

// BenchmarkLoad1000 reads a profiles file of 1,000 profiles.
func BenchmarkLoad1000(b *testing.B) {
	s := Open(b.TempDir())
	err := s.Update(func(f *File) error {
		for i := range 1000 {
			p := testProfile(fmt.Sprintf("profile-%04d", i))
			p.Env = []string{"local", "staging", "prod"}[i%3]
			p.Scopes = []string{"openid", "system/*.read"}
			if _, err := f.Put(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := s.Load()
		if err != nil || len(f.Profiles) != 1000 {
			b.Fatal(err)
		}
	}
}

// keychainBench skips unless a real keychain is at hand (scripts/with-keyring)
// and files a value to read.
func keychainBench(b *testing.B, s SecretStore) string {
	b.Helper()
	if !keyringtest.Under() {
		b.Skip("no keychain: run under scripts/with-keyring")
	}
	user := "bench/" + b.Name()
	if err := s.Set(user, "value"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Delete(user) })
	return user
}

// BenchmarkSystemStoreGet reads one value through the store Token Desk
// uses (on Linux: one Secret Service session per process).
func BenchmarkSystemStoreGet(b *testing.B) {
	s := NewSystemStore()
	user := keychainBench(b, s)
	for b.Loop() {
		if _, err := s.Get(user); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSystemStoreSet writes one value through the store Token Desk
// uses.
func BenchmarkSystemStoreSet(b *testing.B) {
	s := NewSystemStore()
	user := keychainBench(b, s)
	for b.Loop() {
		if err := s.Set(user, "value"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoKeyringGet reads one value through plain go-keyring, which
// connects and opens a session for every call.
func BenchmarkGoKeyringGet(b *testing.B) {
	user := keychainBench(b, Keyring{})
	for b.Loop() {
		if _, err := keyring.Get(Service, user); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSystemStoreFirstGet reads one value through a new store each
// time, as a command-line process does: the session is opened too.
func BenchmarkSystemStoreFirstGet(b *testing.B) {
	user := keychainBench(b, NewSystemStore())
	for b.Loop() {
		if _, err := NewSystemStore().Get(user); err != nil {
			b.Fatal(err)
		}
	}
}
