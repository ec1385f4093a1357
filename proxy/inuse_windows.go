package proxy

import (
	"errors"
	"syscall"
)

// wsaeAddrInUse is Winsock's WSAEADDRINUSE.
const wsaeAddrInUse = syscall.Errno(10048)

// addrInUse says whether err is a port another socket holds.
func addrInUse(err error) bool {
	return errors.Is(err, wsaeAddrInUse) || errors.Is(err, syscall.EADDRINUSE)
}
