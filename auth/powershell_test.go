package auth

import (
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

func TestPowerShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "''",
		"plain":                   "'plain'",
		"O'Brien":                 "'O''Brien'",
		"$env:HOME `n @(x) \"q\"": "'$env:HOME `n @(x) \"q\"'",
		"it’s":                    "'it’’s'",
	} {
		if got := PowerShellQuote(in); got != want {
			t.Errorf("PowerShellQuote(%q) = %s; want %s", in, got, want)
		}
	}
	p := model.Profile{BaseURL: "https://api.example.com/", Headers: []model.Header{{Name: "X-Medplum", Value: "extended"}}}
	got, err := CurlPowerShell(p, Credential{Token: &Token{AccessToken: "ab'c", TokenType: "bearer"}}, "Patient?name=O'Brien&_count=1")
	want := `curl.exe -H 'Authorization: Bearer ab''c' -H 'X-Medplum: extended' 'https://api.example.com/Patient?name=O''Brien&_count=1'`
	if err != nil || got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
