package auth

import (
	"net/http"

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
		if key, err = m.credential(p); err != nil {
			return nil, err
		}
	}
	hc, err := m.client.clientFor(p, key)
	if err != nil {
		return nil, err
	}
	tr := hc.Transport
	if ht, ok := tr.(*http.Transport); ok {
		// Its own pool, kept warm for many requests at once: the token
		// client's allows 2 idle connections per host.
		ht = ht.Clone()
		ht.MaxIdleConnsPerHost = APIIdleConns
		return ht, nil
	}
	return tr, nil
}

// APIIdleConns is how many idle connections to one API host an
// APITransport keeps.
const APIIdleConns = 128

// SetAPIHeaders puts on h what a request to p's API carries: p's extra
// headers (p as storage.Keychain.Resolve returned it) and t as
// Authorization, replacing any Authorization h held.
func SetAPIHeaders(h http.Header, p model.Profile, t *Token) error {
	if err := resolved(p); err != nil {
		return err
	}
	for _, hd := range p.Headers {
		h.Set(hd.Name, hd.Value)
	}
	h.Set("Authorization", HeaderValue(t))
	return nil
}
