//go:build windows

package atomicfile

// nonblock is Unix's O_NONBLOCK; Windows has no named pipes in the file
// system to wait on.
const nonblock = 0
