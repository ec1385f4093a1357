package model

import (
	"errors"
	"testing"
)

func TestLoopback(t *testing.T) {
	tests := map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true, "api.localhost": true, "a.b.localhost": true,
		"127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"localhost.example.com": false, "evil-localhost": false, "example.com": false, "10.0.0.1": false, "": false,
	}
	for host, want := range tests {
		if got := Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v; want %v", host, got, want)
		}
	}
}

// The base URL gets the token and the secret headers: plain http:// to a
// remote host is refused as for the token URL, unless the profile allows
// it; the window's warning sign then shows.
func TestBaseURLTransport(t *testing.T) {
	tests := []struct {
		base    string
		allow   bool
		refused bool
	}{
		{"http://api.example.com/fhir", false, true},
		{"http://api.example.com/fhir", true, false},
		{"https://api.example.com/fhir", false, false},
		{"http://api.localhost:8103/", false, false},
		{"http://127.0.0.1:8103/", false, false},
	}
	for _, tt := range tests {
		p := Profile{Name: "p", TokenURL: "https://auth.example.com/token", ClientID: "c", BaseURL: tt.base, AllowInsecure: tt.allow}
		if got := errors.Is(p.Validate(), ErrInsecureBaseURL); got != tt.refused {
			t.Errorf("Validate(base %s, allow=%v): %v; want refused=%v", tt.base, tt.allow, p.Validate(), tt.refused)
		}
		if got, want := p.ClearText(), tt.refused || tt.allow; got != want {
			t.Errorf("ClearText(base %s, allow=%v) = %v; want %v", tt.base, tt.allow, got, want)
		}
	}
}

// A saved request or probe path cannot name a host of its own: the token
// would go there.
func TestSavedPathsStayUnderBaseURL(t *testing.T) {
	base := Profile{Name: "p", TokenURL: "https://auth.example.com/token", ClientID: "c", BaseURL: "https://api.example.com/"}
	for _, tt := range []struct {
		request, probe string
		ok             bool
	}{
		{"fhir/R4/Patient", "auth/me", true},
		{"/fhir/R4/Patient?_count=1", "", true},
		{"http://other.example/steal", "", false},
		{"", "https://other.example/steal", false},
		{"//other.example/steal", "", false},
	} {
		p := base
		p.RequestPath, p.ProbePath = tt.request, tt.probe
		err := p.Validate()
		if got := err == nil; got != tt.ok {
			t.Errorf("request %q, probe %q: Validate() = %v; want ok=%v", tt.request, tt.probe, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrPathNotRelative) {
			t.Errorf("request %q, probe %q: %v; want ErrPathNotRelative", tt.request, tt.probe, err)
		}
	}
}
