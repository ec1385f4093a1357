package format

import (
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

func TestCurlPowerShell(t *testing.T) {
	p := model.Profile{BaseURL: "https://api.example.com/", Headers: []model.Header{{Name: "X-Medplum", Value: "extended"}}}
	got, err := CurlPowerShell(p, Credential{Token: &model.Token{AccessToken: "ab'c", TokenType: "bearer"}}, "Patient?name=O'Brien&_count=1")
	want := `curl.exe -H 'Authorization: Bearer ab''c' -H 'X-Medplum: extended' 'https://api.example.com/Patient?name=O''Brien&_count=1'`
	if err != nil || got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
