package storage

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

const apiKey = "api-key-value-5e6f"

func secretProfile() model.Profile {
	return model.Profile{ID: "p1", Name: "gw", TokenURL: "https://as.example.com/token", ClientID: "c",
		Headers: []model.Header{{Name: "X-Plain", Value: "visible"}, {Name: "X-Api-Key", Value: apiKey, Secret: true},
			{Name: "X-Gateway-Key", Value: "gw-1", Secret: true, TokenRequest: true}}}
}

// Whatever writes a profile as JSON (the profiles file, exports) leaves a
// secret header's value out and keeps the header.
func TestSecretHeaderNeverMarshalled(t *testing.T) {
	s := Open(t.TempDir())
	if err := s.Update(func(f *File) error { _, err := f.Put(secretProfile()); return err }); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), apiKey) || strings.Contains(string(data), "gw-1") {
		t.Fatalf("a secret value reached the file:\n%s", data)
	}
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.ByName("gw")
	if len(p.Headers) != 3 || !p.Headers[1].Secret || p.Headers[1].Value != "" || p.Headers[0].Value != "visible" {
		t.Errorf("loaded headers %+v", p.Headers)
	}
	one, _ := json.Marshal(model.Header{Name: "X-Api-Key", Value: apiKey, Secret: true})
	if strings.Contains(string(one), apiKey) || !strings.Contains(string(one), `"secret":true`) {
		t.Errorf("Header JSON %s", one)
	}
	if s := (model.Header{Name: "X-Api-Key", Value: apiKey, Secret: true}).String(); strings.Contains(s, apiKey) {
		t.Errorf("String shows the value: %s", s)
	}
}

// The fingerprint cannot see secret values (it is computed without the
// keychain), but sees plain token-request headers as before.
func TestFingerprintAndSecretHeaders(t *testing.T) {
	p := secretProfile()
	q := secretProfile()
	q.Headers[2].Value = "gw-2"
	if p.Fingerprint() != q.Fingerprint() {
		t.Error("the fingerprint depends on a secret value")
	}
	q.Headers[2].Value = ""
	if p.Fingerprint() != q.Fingerprint() {
		t.Error("the fingerprint differs once the value is left out")
	}
	r := secretProfile()
	r.Headers = append(r.Headers, model.Header{Name: "X-Tenant", Value: "a", TokenRequest: true})
	s := secretProfile()
	s.Headers = append(s.Headers, model.Header{Name: "X-Tenant", Value: "b", TokenRequest: true})
	if r.Fingerprint() == s.Fingerprint() {
		t.Error("plain token-request headers no longer count")
	}
}

func TestHeaderValuesKeychain(t *testing.T) {
	mem := &MemoryStore{}
	k := NewKeychain(mem)
	p := secretProfile()
	changed, err := k.SaveHeaderValues(p)
	if err != nil || !changed {
		t.Fatalf("first save: changed %v, %v", changed, err)
	}
	stored := p
	stored.Headers = append([]model.Header(nil), p.Headers...)
	stored.Headers[1].Value, stored.Headers[2].Value = "", "" // as loaded from the file
	got, err := k.Resolve(stored)
	if err != nil || got.Headers[1].Value != apiKey || got.Headers[2].Value != "gw-1" || stored.Headers[1].Value != "" {
		t.Fatalf("Resolve: %+v, %v (and the argument must stay as it was)", got.Headers, err)
	}
	// Blank keeps the old value, a new token-request value says so, a
	// dropped header's value goes.
	edit := stored
	edit.Headers = []model.Header{stored.Headers[1], {Name: "X-Gateway-Key", Value: "gw-2", Secret: true, TokenRequest: true}}
	if changed, err := k.SaveHeaderValues(edit); err != nil || !changed {
		t.Fatalf("edit: changed %v, %v", changed, err)
	}
	vals, _ := k.HeaderValues(p.ID)
	if want := map[string]string{"X-Api-Key": apiKey, "X-Gateway-Key": "gw-2"}; !maps.Equal(vals, want) {
		t.Errorf("after the edit: %d values", len(vals))
	}
	edit.Headers = edit.Headers[:1]
	edit.Headers[0].Value = ""
	if changed, _ := k.SaveHeaderValues(edit); changed {
		t.Error("keeping a value counted as a change")
	}
	if vals, _ := k.HeaderValues(p.ID); len(vals) != 1 || vals["X-Api-Key"] != apiKey {
		t.Errorf("after dropping a header: %d values", len(vals))
	}
	// Missing: an error that names the header, not the value.
	if err := k.SetHeaderValues(p.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Resolve(stored); !errors.Is(err, model.ErrHeaderMissing) || !strings.Contains(err.Error(), "X-Api-Key") {
		t.Errorf("missing value: %v", err)
	}
	// Forget takes the values with the rest.
	if _, err := k.SaveHeaderValues(p); err != nil {
		t.Fatal(err)
	}
	if err := k.Forget(p.ID); err != nil || mem.Len() != 0 {
		t.Errorf("Forget: %v, %d entries left", err, mem.Len())
	}
	// A profile without secret headers costs no keychain read.
	plain := model.Profile{ID: "p2", Headers: []model.Header{{Name: "X-Plain", Value: "v"}}}
	if got, err := NewKeychain(failingStore{}).Resolve(plain); err != nil || got.Headers[0].Value != "v" {
		t.Errorf("plain profile: %v", err)
	}
}

func TestParseSecretHeaderHidesValue(t *testing.T) {
	for _, in := range []string{"X-Api-Key=" + apiKey, "X Api: " + apiKey} {
		if _, err := model.ParseSecretHeader(in); err == nil || strings.Contains(err.Error(), apiKey) {
			t.Errorf("ParseSecretHeader(%q) = %v", strings.ReplaceAll(in, apiKey, "…"), err)
		}
	}
	if _, err := model.ParseSecretHeader("X-Api-Key:"); err == nil {
		t.Error("an empty secret value was accepted")
	}
	if h := (model.Header{Name: "X-Api.Key~1"}); h.EnvName() != "X_API_KEY_1" {
		t.Errorf("EnvName %q", h.EnvName())
	}
}

// failingStore fails every call: reaching it is the failure.
type failingStore struct{}

func (failingStore) Get(string) (string, error) { return "", errors.New("keychain read") }
func (failingStore) Set(string, string) error   { return errors.New("keychain write") }
func (failingStore) Delete(string) error        { return errors.New("keychain delete") }
