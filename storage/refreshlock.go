package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// LocksDir is the directory, inside the config directory, of the locks
// that let one process at a time refresh a profile's token.
const LocksDir = "refresh.locks"

// lockRetry is how often a process waiting for another's refresh looks
// whether it has finished.
const lockRetry = 5 * time.Millisecond

// RefreshLock is a profile's refresh lock, held across processes (the
// window and any command line) that share the config directory: whoever
// holds it is the one refreshing that profile's token. Beside the lock
// file, a stamp file says when the last refresh under it filed its token
// (apart, since Windows refuses reads of a locked range); neither holds a
// secret.
type RefreshLock struct {
	f     *flock.Flock
	stamp string
	last  time.Time
}

// LockRefresh waits for profile id's refresh lock and takes it; ctx
// cancels the wait. A keychain whose store marks tokens (MarkTokens)
// locks in that config directory; any other locks nothing, as does one
// whose directory cannot hold the lock (a refresh still works without
// it).
func (k *Keychain) LockRefresh(ctx context.Context, id string) (*RefreshLock, error) {
	m, ok := k.store.(tokenMarks)
	if !ok {
		return &RefreshLock{}, nil
	}
	d := filepath.Join(m.dir, LocksDir)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return &RefreshLock{}, nil
	}
	name := filepath.Join(d, markName(id))
	f := flock.New(name+".lock", flock.SetPermissions(0o600))
	if _, err := f.TryLockContext(ctx, lockRetry); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wait for another refresh of the token: %w", ctx.Err())
		}
		return &RefreshLock{}, nil
	}
	l := &RefreshLock{f: f, stamp: name + ".filed"}
	if b, err := os.ReadFile(l.stamp); err == nil {
		l.last, _ = time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	}
	return l, nil
}

// Last is when the last refresh under this lock had filed its token in
// the keychain (zero if unknown): a token read from the keychain before
// then may have been replaced.
func (l *RefreshLock) Last() time.Time { return l.last }

// Filed records that the token a refresh got is now in the keychain.
func (l *RefreshLock) Filed() {
	if l.f == nil {
		return
	}
	_ = writeStamp(l.stamp) // a missed stamp costs a refresh, never a token
}

// Unlock releases the lock.
func (l *RefreshLock) Unlock() {
	if l.f != nil {
		_ = l.f.Unlock()
	}
}
