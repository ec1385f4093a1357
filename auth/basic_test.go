package auth

import (
	"errors"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

func TestAPIAuthorization(t *testing.T) {
	bearer := model.Profile{Name: "b", ClientID: "svc"}
	basic := model.Profile{Name: "m", ClientID: "svc", APIAuth: model.APIBasic}
	tok := &model.Token{AccessToken: "tok", TokenType: "bearer"}
	tests := []struct {
		name   string
		p      model.Profile
		t      *model.Token
		secret string
		want   string
		err    error
	}{
		{"bearer", bearer, tok, "", "Bearer tok", nil},
		{"bearer ignores a secret", bearer, tok, "s3cret", "Bearer tok", nil},
		{"bearer without a token", bearer, nil, "s3cret", "", ErrNoCredential},
		{"basic", basic, tok, "s3cret", "Basic c3ZjOnMzY3JldA==", nil}, // base64("svc:s3cret")
		{"basic without a token", basic, nil, "s3cret", "Basic c3ZjOnMzY3JldA==", nil},
		{"basic without the secret", basic, tok, "", "", ErrNoCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := APIAuthorization(tt.p, tt.t, tt.secret)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
