// Package loopback is the one definition of "this machine" and of a URL a
// secret may travel over: model (profiles) and secretref (Vault) share it.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// Host says whether host is this machine: a loopback IP, localhost, or a
// name under .localhost (RFC 6761).
func Host(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure says whether a secret sent to rawURL is safe from the network:
// https, or plain http to this machine.
func Secure(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return Host(u.Hostname())
	}
	return false
}
