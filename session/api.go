package session

import (
	"context"
	"net/http"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
)

// APITransport returns the transport for requests to p's API made with its
// token (auth.Client.APITransport), with p's client certificate for a
// client that presents one.
func (m *Manager) APITransport(p model.Profile) (http.RoundTripper, error) {
	key := ""
	if auth.PresentsCert(p.Style()) {
		var err error
		if key, err = m.credential(context.Background(), p); err != nil {
			return nil, err
		}
	}
	return m.client.APITransport(p, key)
}
