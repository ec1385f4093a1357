// Package vaulttest is a stand-in for a HashiCorp Vault (or OpenBao)
// server, for tests: the KV secrets engine's read API, version 1 and 2, as
// Vault's HTTP API documents it, with the mount lookup `vault kv get`
// makes first and token checks.
package vaulttest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Server is a Vault stand-in with KV mounts.
type Server struct {
	*httptest.Server
	// Token is the only token accepted (X-Vault-Token).
	Token string

	mu     sync.Mutex
	mounts map[string]int                       // "secret/" → KV version
	data   map[string]map[string]map[string]any // mount → path → fields
	reads  int
}

// New starts a server that accepts token; Close it when done.
func New(token string) *Server {
	s := &Server{Token: token, mounts: map[string]int{}, data: map[string]map[string]map[string]any{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Mount adds a KV mount (path with a trailing slash) of version 1 or 2.
func (s *Server) Mount(path string, version int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounts[path] = version
	s.data[path] = map[string]map[string]any{}
}

// Put stores a secret's fields under mount at path.
func (s *Server) Put(mount, path string, fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[mount][path] = fields
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]any{"errors": []string{msg}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Vault-Token") != s.Token {
		fail(w, http.StatusForbidden, "permission denied")
		return
	}
	if r.Method != http.MethodGet {
		fail(w, http.StatusMethodNotAllowed, "only reads are served here")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	s.mu.Lock()
	defer s.mu.Unlock()
	if rest, ok := strings.CutPrefix(p, "sys/internal/ui/mounts/"); ok {
		for m, v := range s.mounts {
			if strings.HasPrefix(rest, m) {
				reply(w, http.StatusOK, map[string]any{"data": map[string]any{
					"path": m, "type": "kv", "options": map[string]any{"version": itoa(v)}}})
				return
			}
		}
		fail(w, http.StatusForbidden, "preflight capability check returned 403, please ensure client's policies grant access to path \""+rest+"\"")
		return
	}
	for m, v := range s.mounts {
		rest, ok := strings.CutPrefix(p, m)
		if !ok {
			continue
		}
		s.reads++
		if v == 2 {
			rest, ok = strings.CutPrefix(rest, "data/")
			if !ok {
				fail(w, http.StatusNotFound, "")
				return
			}
		}
		fields, ok := s.data[m][rest]
		if !ok {
			reply(w, http.StatusNotFound, map[string]any{"errors": []string{}})
			return
		}
		data := map[string]any(fields)
		if v == 2 {
			data = map[string]any{"data": fields, "metadata": map[string]any{"version": 1, "destroyed": false}}
		}
		reply(w, http.StatusOK, map[string]any{"request_id": "1", "lease_duration": 0, "renewable": false, "data": data})
		return
	}
	fail(w, http.StatusForbidden, "permission denied")
}

func itoa(v int) string {
	if v == 2 {
		return "2"
	}
	return "1"
}

// Reads counts the secret reads served (the mount lookups not included).
func (s *Server) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}
