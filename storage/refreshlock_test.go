package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRefreshLock: a profile's refresh lock excludes a second holder until
// it is released, and tells the next holder when the last refresh filed
// its token; the lock file holds only that time.
func TestRefreshLock(t *testing.T) {
	dir := t.TempDir()
	mem := &MemoryStore{}
	one, two := NewKeychain(MarkTokens(mem, dir)), NewKeychain(MarkTokens(mem, dir))
	ctx := context.Background()
	l, err := one.LockRefresh(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Last().IsZero() {
		t.Errorf("first lock: Last %v; want zero", l.Last())
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := two.LockRefresh(gone, "p1"); err == nil {
		t.Error("second holder while the first holds it: got the lock; want to wait (and give up when cancelled)")
	}
	other, err := two.LockRefresh(ctx, "p2")
	if err != nil {
		t.Fatalf("another profile's lock: %v", err)
	}
	other.Unlock()
	before := time.Now()
	l.Filed()
	l.Unlock()
	l, err = two.LockRefresh(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if l.Last().Before(before.Truncate(time.Microsecond)) {
		t.Errorf("after Filed: Last %v; want at or after %v", l.Last(), before)
	}
	for _, name := range []string{".lock", ".filed"} {
		path := filepath.Join(dir, LocksDir, markName("p1")+name)
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s file: %v, %v; want mode 0600", name, st, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LocksDir, markName("p1")+".filed")); len(b) == 0 || len(b) > 40 {
		t.Errorf("stamp file holds %d bytes; want a time alone", len(b))
	}
}

// TestRefreshLockNeedsMarks: a keychain that marks no tokens shares no
// directory with other processes, so its lock is no lock and costs no file.
func TestRefreshLockNeedsMarks(t *testing.T) {
	k := NewKeychain(&MemoryStore{})
	l, err := k.LockRefresh(context.Background(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	l.Filed()
	l.Unlock()
	if l.Last() != (time.Time{}) {
		t.Errorf("Last %v; want zero", l.Last())
	}
}
