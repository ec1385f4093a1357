package session

import (
	"context"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

func TestProbeBasic(t *testing.T) {
	api := testapi.New("svc", "s3cret")
	t.Cleanup(api.Close)
	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := model.Profile{ID: "m", Name: "m", TokenURL: api.TokenURL(), ClientID: "svc", BaseURL: api.BaseURL(), ProbePath: "auth/me",
		APIAuth: model.APIBasic, Headers: []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}}
	if err := keys.SetClientSecret(p.ID, "s3cret"); err != nil {
		t.Fatal(err)
	}
	m := NewManager(keys, auth.NewClient())
	tok := &model.Token{AccessToken: "not-issued", TokenType: "bearer"}
	tests := []struct {
		name string
		auth model.APIAuth
		want int
	}{
		{"basic", model.APIBasic, 200},
		{"bearer", model.APIBearer, 401}, // the API's check is real
	}
	for _, tt := range tests {
		p.APIAuth = tt.auth
		r, err := m.Probe(context.Background(), p, tok, "")
		if err != nil || r.Code != tt.want {
			t.Errorf("%s: got %v, %v; want %d", tt.name, r, err, tt.want)
		}
	}
}
