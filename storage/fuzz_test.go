package storage

import (
	"os"
	"testing"
)

// FuzzLoad: any bytes in profiles.json give a file or a ParseError, never a
// panic, and never a file with duplicate or nameless profiles.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"profiles":[{"id":"a","name":"a","tokenUrl":"https://x/t","clientId":"c"}]}`))
	f.Add([]byte(`{"version":1,"profiles":[{"id":"a","name":"a"},{"id":"a","name":"b"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version": 1, "profiles": [`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := Open(t.TempDir())
		if err := os.WriteFile(s.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := s.Load()
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range file.Profiles {
			if p.ID == "" || p.Name == "" || seen[p.ID] || seen["n:"+p.Name] {
				t.Fatalf("loaded a bad profile set: %+v", file.Profiles)
			}
			seen[p.ID], seen["n:"+p.Name] = true, true
		}
	})
}
