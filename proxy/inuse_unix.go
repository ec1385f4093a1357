//go:build !windows

package proxy

import (
	"errors"
	"syscall"
)

// addrInUse says whether err is a port another socket holds.
func addrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
