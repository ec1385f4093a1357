package session

import (
	"context"
	"net/http"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
)

// APITransport returns the transport for requests to p's API made with its
// token: the proxy from the environment, p's CA file trusted and, for
// tls_client_auth, p's client certificate presented (an API that checks
// certificate-bound tokens wants it, RFC 8705 §3). Unlike the token
// client's, it streams bodies, so it suits a proxy.
func (m *Manager) APITransport(p model.Profile) (http.RoundTripper, error) {
	key := ""
	if p.Style() == model.AuthTLS {
		var err error
		if key, err = m.credential(context.Background(), p); err != nil {
			return nil, err
		}
	}
	hc, err := m.client.HTTPClient(p, key)
	if err != nil {
		return nil, err
	}
	tr := hc.Transport
	if ht, ok := tr.(*http.Transport); ok {
		// Its own pool, kept warm for many requests at once: the token
		// client's allows 2 idle connections per host.
		ht = ht.Clone()
		ht.MaxIdleConnsPerHost = auth.APIIdleConns
		return ht, nil
	}
	return tr, nil
}
