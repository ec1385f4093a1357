//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/tokendesk/tokendesk/internal/atomicfile"
)

// A named pipe in place of the profiles file is refused at once, not
// waited on. A writer holds the pipe's other end, so that even a reader
// that waits gets its answer (an empty file) instead of hanging the test.
func TestFIFOProfilesFileIsRefused(t *testing.T) {
	s := Open(t.TempDir())
	if err := syscall.Mkfifo(s.Path(), 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if w, err := os.OpenFile(s.Path(), os.O_WRONLY, 0); err == nil { // waits for a reader
			w.Close()
		}
	}()
	_, err := s.Load()
	// Release the writer whether or not Load opened the pipe.
	if r, rerr := os.OpenFile(s.Path(), os.O_RDONLY|syscall.O_NONBLOCK, 0); rerr == nil {
		<-done
		r.Close()
	}
	if !errors.Is(err, atomicfile.ErrNotRegular) {
		t.Errorf("got %v; want ErrNotRegular", err)
	}
}
