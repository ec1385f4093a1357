package format

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokendesk/tokendesk/model"
)

// BenchmarkCurl renders the copied curl command.
func BenchmarkCurl(b *testing.B) {
	p := model.Profile{Name: "p", BaseURL: "https://api.medplum.com/"}
	t := &model.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", TokenType: "bearer"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Curl(p, Credential{Token: t}, "fhir/R4/Patient?name=O'Brien"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaims decodes a JWT access token's claims for display.
func BenchmarkClaims(b *testing.B) {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "ClientApplication/1", "client_id": "1", "scope": "openid", "iss": "https://api.medplum.com/",
		"aud": "x", "exp": 2000000000, "iat": 1999996400,
	}).SignedString([]byte("k"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := Claims(s); !ok {
			b.Fatal("not a JWT")
		}
	}
}
