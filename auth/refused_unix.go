//go:build !windows

package auth

import (
	"errors"
	"syscall"
)

// connRefused says whether err is a refused TCP connection.
func connRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
