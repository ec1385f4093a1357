package storage

import (
	"regexp"
	"testing"
)

func TestProxyKey(t *testing.T) {
	mem := &MemoryStore{}
	k := NewKeychain(mem)
	first, err := k.ProxyKey("p1")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(first) {
		t.Errorf("key %q: want 32 hex digits", first)
	}
	again, err := k.ProxyKey("p1")
	if err != nil || again != first {
		t.Errorf("second ProxyKey: got %q, %v; want the first key, kept", again, err)
	}
	other, _ := k.ProxyKey("p2")
	if other == first {
		t.Error("two profiles got the same key")
	}
	if err := k.Forget("p1"); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Get(proxyKeyKey("p1")); err == nil {
		t.Error("Forget left the proxy key")
	}
	if renewed, _ := k.ProxyKey("p1"); renewed == first {
		t.Error("a forgotten key came back")
	}
}
