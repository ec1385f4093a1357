package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
)

func ecPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

func TestPrivateKeyJWTOnTheWire(t *testing.T) {
	for _, kind := range []string{"RSA", "EC"} {
		t.Run(kind, func(t *testing.T) {
			var key string
			if kind == "RSA" {
				var err error
				if key, err = keys.GenerateKey(); err != nil {
					t.Fatal(err)
				}
			} else {
				key = ecPEM(t)
			}
			var tokenURL string
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				if _, _, basic := r.BasicAuth(); basic || r.PostForm.Has("client_secret") || r.PostForm.Get("client_id") != "my-client" ||
					r.PostForm.Get("client_assertion_type") != keys.AssertionType {
					t.Errorf("form %v", r.PostForm)
				}
				signer, _ := keys.ParsePrivateKey(key)
				claims := jwt.MapClaims{}
				tok, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), claims, func(*jwt.Token) (any, error) { return signer.Public(), nil },
					jwt.WithValidMethods([]string{"RS256", "ES256"}), jwt.WithAudience(tokenURL), jwt.WithIssuer("my-client"), jwt.WithSubject("my-client"))
				if err != nil || !tok.Valid {
					t.Errorf("assertion does not verify: %v", err)
				}
				if aud, ok := claims["aud"].(string); !ok || aud != tokenURL {
					t.Errorf("aud %v; want the token URL as one string", claims["aud"])
				}
				exp, _ := claims.GetExpirationTime()
				iat, _ := claims.GetIssuedAt()
				if exp.Sub(iat.Time) > 5*time.Minute || claims["jti"] == "" {
					t.Errorf("exp-iat %v, jti %v", exp.Sub(iat.Time), claims["jti"])
				}
				fmt.Fprint(w, `{"access_token":"pkjwt","token_type":"bearer","expires_in":60}`)
			})
			p := authtest.Profile(srv, model.AuthPrivateKeyJWT)
			tokenURL = p.TokenURL
			tok, err := NewClient().Fetch(context.Background(), p, key)
			if err != nil || tok.AccessToken != "pkjwt" {
				t.Fatalf("fetch: %v", err)
			}
			set, err := keys.JWKS(key, "")
			if err != nil {
				t.Fatal(err)
			}
			var jwks struct{ Keys []map[string]string }
			if err := json.Unmarshal([]byte(set), &jwks); err != nil || len(jwks.Keys) != 1 || jwks.Keys[0]["kty"] != kind || strings.Contains(set, `"d"`) {
				t.Errorf("JWKS %s", set)
			}
			if kind == "EC" { // the published point is the key's own
				x, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0]["x"])
				y, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0]["y"])
				pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
				signer, _ := keys.ParsePrivateKey(key)
				if err != nil || !pub.Equal(signer.Public()) {
					t.Errorf("JWKS point does not match the key: %v", err)
				}
			}
		})
	}
}
