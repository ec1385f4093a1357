package keys

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"testing"
)

func TestSmallRSAKeyRefused(t *testing.T) {
	if _, err := ParsePrivateKey("not a key"); err == nil {
		t.Error("garbage parsed as a key")
	}
}

// The key ID is the RFC 7638 thumbprint: the RFC's own example.
func TestKidIsRFC7638Thumbprint(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	raw, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	key := publicOnly{&rsa.PublicKey{N: new(big.Int).SetBytes(raw), E: 65537}}
	if got, want := publicJWK(key).Kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("kid %q; want %q", got, want)
	}
}

// publicOnly is a signer that only has its public half, for publicJWK.
type publicOnly struct{ pub crypto.PublicKey }

func (k publicOnly) Public() crypto.PublicKey { return k.pub }
func (k publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}
