package auth

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/tokendesk/tokendesk/internal/testapi"
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

func TestBasicCommands(t *testing.T) {
	p := model.Profile{Name: "m", ClientID: "svc", BaseURL: "https://api.example/fhir/R4/", APIAuth: model.APIBasic,
		Headers: []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}}
	tok := &model.Token{AccessToken: "tok", TokenType: "bearer"}
	type render func(model.Profile, Credential, string) (string, error)
	tests := []struct {
		name   string
		render render
		secret string
		want   string
	}{
		{"curl", Curl, "", `curl -u "$CLIENT_ID:$CLIENT_SECRET" -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' https://api.example/fhir/R4/Patient`},
		{"curl with the secret", Curl, "s3cret", `curl -H 'Authorization: Basic c3ZjOnMzY3JldA==' -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' https://api.example/fhir/R4/Patient`},
		{"httpie", HTTPie, "", `http -a "$CLIENT_ID:$CLIENT_SECRET" GET https://api.example/fhir/R4/Patient X-Medplum-On-Behalf-Of:ProjectMembership/42`},
		{"httpie with the secret", HTTPie, "s3cret", `http GET https://api.example/fhir/R4/Patient 'Authorization:Basic c3ZjOnMzY3JldA==' X-Medplum-On-Behalf-Of:ProjectMembership/42`},
		{"powershell", CurlPowerShell, "", `curl.exe -u "${env:CLIENT_ID}:${env:CLIENT_SECRET}" -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' 'https://api.example/fhir/R4/Patient'`},
		{"powershell with the secret", CurlPowerShell, "s3cret", `curl.exe -H 'Authorization: Basic c3ZjOnMzY3JldA==' -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' 'https://api.example/fhir/R4/Patient'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.render(p, Credential{Token: tok, Secret: tt.secret}, "Patient")
			if err != nil || got != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}

// TestBasicCurlOnBehalfOf runs the copied curl commands, the shared one
// with $CLIENT_ID and $CLIENT_SECRET in its environment, against an API
// that takes On-Behalf-Of only with Basic.
func TestBasicCurlOnBehalfOf(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl here")
	}
	api := testapi.New("svc", "s3cret")
	t.Cleanup(api.Close)
	p := model.Profile{Name: "m", ClientID: "svc", BaseURL: api.BaseURL(), APIAuth: model.APIBasic,
		Headers: []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}}
	for _, secret := range []string{"", "s3cret"} {
		line, err := Curl(p, Credential{Secret: secret}, "Patient")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", "-c", line+" --fail --silent --show-error")
		cmd.Env = append(os.Environ(), "CLIENT_ID=svc", "CLIENT_SECRET=s3cret")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("secret %v: the API refused the command: %v", secret != "", err)
		}
		var e testapi.Echo
		if err := json.Unmarshal(out, &e); err != nil {
			t.Fatal(err)
		}
		if e.Auth != "basic" || e.OnBehalfOf != "ProjectMembership/42" {
			t.Errorf("secret %v: got auth %q, on behalf of %q; want basic, ProjectMembership/42", secret != "", e.Auth, e.OnBehalfOf)
		}
	}
}
