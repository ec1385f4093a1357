package storage

import (
	"fmt"
	"testing"
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
