package auth

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"time"
)

// certLifetime is how long a generated client certificate is valid.
const certLifetime = 2 * 365 * 24 * time.Hour

// SelfSignedCert makes a self-signed client certificate for the PEM
// private key, with the client ID as its subject, for
// self_signed_tls_client_auth: the server is told the certificate (or its
// JWKS with x5c) when the client is registered.
func SelfSignedCert(privatePEM, clientID string, now time.Time) (string, error) {
	k, err := ParsePrivateKey(privatePEM)
	if err != nil {
		return "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: clientID},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// certChain is the x5c of a PEM certificate chain: each certificate's DER
// in standard base64.
func certChain(certPEM string) ([]string, error) {
	var out []string
	rest := []byte(certPEM)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			out = append(out, base64.StdEncoding.EncodeToString(block.Bytes))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}
