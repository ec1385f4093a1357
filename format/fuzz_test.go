package format

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kballard/go-shellquote"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
)

// FuzzCurlQuoting: the curl command, split back into words by a POSIX
// shell word splitter, gives exactly the token and URL it was made from.
func FuzzCurlQuoting(f *testing.F) {
	f.Add("eyJ.abc'def", "fhir/R4/Patient?name=O'Brien&x=$HOME")
	f.Add("tok`whoami`", "a b\tc")
	f.Add(`t"o\k`, "https://other.example/x;rm -rf /")
	f.Fuzz(func(t *testing.T, token, path string) {
		if strings.ContainsAny(token+path, "\x00") {
			return // a NUL cannot be passed in an argument at all
		}
		p := model.Profile{Name: "p", BaseURL: "https://api.example.com/"}
		tok := &model.Token{AccessToken: token, TokenType: "bearer"}
		line, err := Curl(p, Credential{Token: tok}, path)
		if err != nil {
			return // not a usable path: refused, not mis-quoted
		}
		words, err := shellquote.Split(line)
		if err != nil {
			t.Fatalf("%q does not split: %v", line, err)
		}
		wantURL, _ := auth.RequestURL(p, path)
		want := []string{"curl", "-H", "Authorization: Bearer " + token, wantURL}
		if len(words) != len(want) {
			t.Fatalf("%q splits into %q; want %q", line, words, want)
		}
		for i := range want {
			if words[i] != want[i] {
				t.Fatalf("%q word %d = %q; want %q", line, i, words[i], want[i])
			}
		}
		if u, err := url.Parse(wantURL); err != nil || !u.IsAbs() {
			t.Fatalf("request URL %q is not absolute", wantURL)
		}
	})
}
