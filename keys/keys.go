// Package keys makes and reads a client's keys and certificates: private
// keys (RSA, EC P-256), self-signed certificates for mutual TLS, the public
// key set (JWKS) a server registers, and the signed assertions
// (private_key_jwt, client_secret_jwt) a client authenticates with.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AssertionType is client_assertion_type for a JWT (RFC 7523).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid: short, as
// OpenID Connect Core §9 asks.
const assertionLifetime = 5 * time.Minute

// ParsePrivateKey reads an RSA or EC (P-256) private key from PEM: PKCS#8,
// PKCS#1 or SEC 1.
func ParsePrivateKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM block in the private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("read the private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("an RSA key of %d bits is too small (want 2048 or more)", k.N.BitLen())
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("only P-256 EC keys are supported (ES256)")
		}
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T (want RSA or EC P-256)", key)
}

// ReadKeyFile reads and checks a PEM private key file; an empty path
// generates a new RSA 2048 key instead.
func ReadKeyFile(path string) (string, error) {
	if path == "" {
		return GenerateKey()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if _, err := ParsePrivateKey(string(data)); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return string(data), nil
}

// GenerateKey makes a new RSA 2048 private key as PKCS#8 PEM.
func GenerateKey() (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// jwk is a public key as a JSON Web Key.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	// X5c is the certificate chain of a tls_client_auth key.
	X5c []string `json:"x5c,omitempty"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// publicJWK describes k's public half; kid is its RFC 7638 thumbprint.
func publicJWK(k crypto.Signer) jwk {
	var key jwk
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		key = jwk{Kty: "RSA", Use: "sig", Alg: "RS256", N: b64(pub.N.Bytes()), E: b64(big.NewInt(int64(pub.E)).Bytes())}
	case *ecdsa.PublicKey:
		point, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each on P-256
		if err != nil || len(point) != 65 {
			return jwk{}
		}
		key = jwk{Kty: "EC", Use: "sig", Alg: "ES256", Crv: "P-256", X: b64(point[1:33]), Y: b64(point[33:])}
	default:
		return jwk{}
	}
	key.Kid = key.thumbprint()
	return key
}

// thumbprint is the key's RFC 7638 JWK thumbprint: the base64url SHA-256 of
// its required members, in lexicographic order, without whitespace (the
// members are base64url or fixed names, so nothing needs escaping).
func (k jwk) thumbprint() string {
	var canonical string
	switch k.Kty {
	case "RSA":
		canonical = `{"e":"` + k.E + `","kty":"RSA","n":"` + k.N + `"}`
	case "EC":
		canonical = `{"crv":"` + k.Crv + `","kty":"EC","x":"` + k.X + `","y":"` + k.Y + `"}`
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

// JWKS is the JSON Web Key Set to publish at the client's jwksUri. With
// a certificate (tls_client_auth), the key carries it as x5c, which is how
// self_signed_tls_client_auth clients register theirs.
func JWKS(privatePEM, certPEM string) (string, error) {
	k, err := ParsePrivateKey(privatePEM)
	if err != nil {
		return "", err
	}
	key := publicJWK(k)
	if certPEM != "" {
		if key.X5c, err = certChain(certPEM); err != nil {
			return "", err
		}
	}
	b, err := json.MarshalIndent(map[string][]jwk{"keys": {key}}, "", "  ")
	return string(b), err
}

// Assertion signs a client assertion for clientID at tokenURL with a
// private key (private_key_jwt): RS256 for RSA, ES256 for EC, kid = the
// key's RFC 7638 thumbprint.
func Assertion(privatePEM, clientID, tokenURL string, now time.Time) (string, error) {
	k, err := ParsePrivateKey(privatePEM)
	if err != nil {
		return "", err
	}
	method := jwt.SigningMethod(jwt.SigningMethodRS256)
	if _, ok := k.(*ecdsa.PrivateKey); ok {
		method = jwt.SigningMethodES256
	}
	t := assertionToken(method, clientID, tokenURL, now)
	t.Header["kid"] = publicJWK(k).Kid
	return t.SignedString(k)
}

// SecretAssertion signs a client assertion for clientID at tokenURL with
// the client secret as the HMAC key (client_secret_jwt, HS256).
func SecretAssertion(secret, clientID, tokenURL string, now time.Time) (string, error) {
	if secret == "" {
		return "", errors.New("client_secret_jwt needs a client secret")
	}
	return assertionToken(jwt.SigningMethodHS256, clientID, tokenURL, now).SignedString([]byte(secret))
}

// assertionToken is an unsigned client assertion (RFC 7523 §3): iss = sub
// = client ID, aud = the token URL as one string (Medplum compares it
// exactly; oidc-provider accepts it at every endpoint), a fresh jti, iat
// now and exp five minutes on.
func assertionToken(method jwt.SigningMethod, clientID, tokenURL string, now time.Time) *jwt.Token {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	return jwt.NewWithClaims(method, jwt.MapClaims{
		"iss": clientID, "sub": clientID, "aud": tokenURL,
		"jti": hex.EncodeToString(jti), "iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
}
