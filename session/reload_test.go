package session

import (
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// What another process did to the keychain shows in a session after Reload.
func TestSessionReload(t *testing.T) {
	p := model.Profile{ID: "p1", Name: "one", TokenURL: "https://as.example.com/token", ClientID: "c"}
	held := model.Token{AccessToken: "held", TokenType: "bearer", Fingerprint: p.Fingerprint(), Expiry: time.Now().Add(time.Hour)}
	theirs := model.Token{AccessToken: "theirs", TokenType: "bearer", Fingerprint: p.Fingerprint(), Expiry: time.Now().Add(time.Hour)}
	stale := theirs
	stale.Fingerprint = "another profile's"
	malformed := theirs
	malformed.AccessToken = "bad token\r\nX-Injected: 1" // cached before its syntax was checked
	tests := []struct {
		name        string
		keychain    *model.Token // what the other process left; nil: forgotten
		want        string       // the token held after Reload; "" none
		wantChanged bool
	}{
		{"fetched elsewhere", &theirs, "theirs", true},
		{"forgotten elsewhere", nil, "", true},
		{"unchanged", &held, "held", false},
		{"cached for other settings", &stale, "held", false},
		{"cached malformed", &malformed, "held", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, keys, now := manager(t)
			var changed []string
			m.OnChange = func(id string) { changed = append(changed, id) }
			if _, err := keys.SetToken(p.ID, held); err != nil {
				t.Fatal(err)
			}
			s := m.Session(p)
			s.Load()
			if tt.keychain != nil {
				if _, err := keys.SetToken(p.ID, *tt.keychain); err != nil {
					t.Fatal(err)
				}
			} else if err := keys.DeleteToken(p.ID); err != nil {
				t.Fatal(err)
			}
			s.Reload()
			got := ""
			if st := s.Status(*now); st.Token != nil {
				got = st.Token.AccessToken
			}
			if got != tt.want {
				t.Errorf("token held: got %q; want %q", got, tt.want)
			}
			if gotChanged := len(changed) > 0; gotChanged != tt.wantChanged {
				t.Errorf("OnChange called: got %v; want %v", gotChanged, tt.wantChanged)
			}
		})
	}
}
