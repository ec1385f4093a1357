package keys

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/model"
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

// ReadCertFile reads a PEM certificate (chain) for tls_client_auth and
// returns its CERTIFICATE blocks only: a file that also holds the private
// key must not carry the key into the profiles file.
func ReadCertFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var out []byte
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: block.Bytes})...)
		}
	}
	if len(out) == 0 {
		return "", fmt.Errorf("%s holds no PEM certificate", path)
	}
	if err := model.CheckCertificate(string(out)); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return string(out), nil
}

// Made says what SettleKeyPair generated.
type Made struct{ Key, Cert bool }

// Advice is what a person should do with what was generated, or "".
func (m Made) Advice(p model.Profile) string {
	switch {
	case m.Cert:
		return fmt.Sprintf("Made a self-signed client certificate (CN=%s); register it with the server for self_signed_tls_client_auth: %s (or the window's Copy JWKS) gives it as a JWKS with x5c.", p.ClientID, shellquote.Suggest("tokendesk", "jwks", p.Name))
	case m.Key:
		return fmt.Sprintf("Generated an RSA 2048 key; publish its public half (%s, or the window's Copy JWKS) at the client's jwksUri.", shellquote.Suggest("tokendesk", "jwks", p.Name))
	}
	return ""
}

// ErrCertMismatch is a client certificate whose key is not the profile's.
var ErrCertMismatch = errors.New("the client certificate does not go with the private key")

// SettleKeyPair decides the key pair of a profile whose style uses one:
// the key from keyFile, else current (the one in the keychain), else a new
// RSA 2048 key; and for tls_client_auth without a certificate, a
// self-signed one for that key. It returns the key to store (empty when the
// keychain already has it) and sets p.ClientCert.
func SettleKeyPair(p *model.Profile, current, keyFile string, now time.Time) (key string, m Made, err error) {
	if !p.Style().UsesKey() {
		return "", m, nil
	}
	if keyFile != "" {
		if key, err = ReadKeyFile(keyFile); err != nil {
			return "", m, err
		}
		current = key
	}
	if current == "" {
		if key, err = GenerateKey(); err != nil {
			return "", m, err
		}
		current, m.Key = key, true
	}
	if p.Style() != model.AuthTLS {
		return key, m, nil
	}
	if p.ClientCert != "" {
		if _, err := tls.X509KeyPair([]byte(p.ClientCert), []byte(current)); err == nil {
			return key, m, nil
		}
		// A new key retires a self-signed certificate made for the old
		// one; a certificate someone issued must be replaced by its owner.
		if !selfSigned(p.ClientCert) {
			return "", m, ErrCertMismatch
		}
	}
	if p.ClientCert, err = SelfSignedCert(current, p.ClientID, now); err != nil {
		return "", m, err
	}
	m.Cert = true
	return key, m, nil
}

// selfSigned says whether the PEM certificate is its own issuer.
func selfSigned(certPEM string) bool {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return false
	}
	c, err := x509.ParseCertificate(block.Bytes)
	return err == nil && bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
