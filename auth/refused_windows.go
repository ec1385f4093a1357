//go:build windows

package auth

import (
	"errors"
	"syscall"
)

// wsaeConnRefused is WSAECONNREFUSED: Windows reports a refused connection
// as this Winsock error, which syscall.ECONNREFUSED does not match.
const wsaeConnRefused = syscall.Errno(10061)

// connRefused says whether err is a refused TCP connection.
func connRefused(err error) bool {
	return errors.Is(err, wsaeConnRefused) || errors.Is(err, syscall.ECONNREFUSED)
}
