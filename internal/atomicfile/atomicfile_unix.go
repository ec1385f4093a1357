//go:build !windows

package atomicfile

import "syscall"

// nonblock lets ReadFile open a named pipe without waiting for a writer,
// so that it can see what it opened and refuse it.
const nonblock = syscall.O_NONBLOCK
