package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// ImportShared adds the profiles of a file written by Export. Names that
// exist are skipped, not overwritten; the profiles have no secret yet.
// Secret references in the file are not imported: a shared file that
// chooses both a token URL and which of the person's secrets is read could
// send that secret anywhere (and a cmd: reference would run a program).
// notes says, per profile, which references were left out and the command
// that sets one after the person has checked it.
func (d *Desk) ImportShared(r io.Reader) (added, skipped, notes []string, err error) {
	ps, err := importer.ReadShared(r)
	if err != nil {
		return nil, nil, nil, err
	}
	err = d.store.Update(func(f *storage.File) error {
		for _, p := range ps {
			p, dropped := withoutRefs(p)
			if _, err := f.ByName(p.Name); err == nil {
				skipped = append(skipped, p.Name+" (a profile of that name exists)")
				continue
			}
			if _, err := f.Put(p); err != nil {
				skipped = append(skipped, fmt.Sprintf("%s (%v)", p.Name, err))
				continue
			}
			added = append(added, p.Name)
			for _, ref := range dropped {
				notes = append(notes, fmt.Sprintf("%s: the secret reference %s was not imported (a shared file does not choose which of your secrets is read); once you have checked it: %s",
					p.Name, ref.ref, shellquote.Suggest(append([]string{"tokendesk", "edit", p.Name}, ref.flag...)...)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return added, skipped, notes, nil
}

type droppedRef struct {
	ref  string
	flag []string // the edit flags that set it again
}

// withoutRefs is p without its secret references: the client secret's and
// each secret header's.
func withoutRefs(p model.Profile) (model.Profile, []droppedRef) {
	var dropped []droppedRef
	if p.SecretRef != "" {
		dropped = append(dropped, droppedRef{p.SecretRef, []string{"--secret-ref", p.SecretRef}})
		p.SecretRef, p.SecretRefNoCache = "", false
	}
	hs := make([]model.Header, len(p.Headers))
	for i, h := range p.Headers {
		if h.Ref != "" {
			flag := "--secret-header"
			if h.TokenRequest {
				flag = "--secret-token-header"
			}
			dropped = append(dropped, droppedRef{h.Ref, []string{flag, h.Name + ": " + h.Ref}})
			h.Ref = ""
		}
		hs[i] = h
	}
	p.Headers = hs
	return p, dropped
}

// Export renders the named profiles (all without names) for sharing:
// settings only, never a secret or a token.
func (d *Desk) Export(names ...string) ([]byte, error) {
	f, err := d.store.Load()
	if err != nil {
		return nil, err
	}
	ps := storage.OwnProfiles(f.Profiles)
	if len(names) > 0 {
		ps = nil
		for _, n := range names {
			p, err := f.ByName(n)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
	}
	return importer.ExportProfiles(ps)
}

// ImportMedplum imports the client-credentials and authorization-code
// profiles of the Medplum
// CLI's files in dir, each through Add. With removeSecrets, the
// plain-text clientSecret is taken out of each file imported, now or
// before, once the keychain is known to hold it.
func (d *Desk) ImportMedplum(dir string, removeSecrets bool) ([]importer.Result, error) {
	files, err := importer.ReadMedplum(dir)
	if err != nil {
		return nil, err
	}
	out := make([]importer.Result, len(files))
	for i, m := range files {
		out[i] = d.importMedplum(m, removeSecrets)
	}
	return out, nil
}

func (d *Desk) importMedplum(m importer.MedplumFile, removeSecret bool) importer.Result {
	r := importer.Result{File: filepath.Base(m.Path)}
	if m.Err != nil {
		r.Err = m.Err
		return r
	}
	name := m.Profile.Name
	c := Fields(m.Profile)
	c.Secret = m.Secret
	_, err := d.Add(c)
	var taken *NameTakenError
	switch {
	case errors.As(err, &taken):
		// Imported before: with removeSecret, take the plain-text copy out
		// once the keychain is known to hold the same secret.
		if removeSecret && d.holds(name, m) {
			if r.Err = m.RemoveSecret(); r.Err == nil {
				r.SecretRemoved = true
				r.Message = fmt.Sprintf("%q was imported before; removed the plain-text secret from %s.", name, m.Path)
			}
			return r
		}
		r.Err = fmt.Errorf("a profile named %q exists", name)
		return r
	case err != nil:
		r.Err = err
		return r
	}
	r.Imported = true
	r.Message = fmt.Sprintf("Imported %q (%s); its secret is in the keychain.", name, m.Profile.TokenURL)
	if m.Secret == "" {
		r.Message = fmt.Sprintf("Imported %q (%s); sign in with: %s", name, m.Profile.TokenURL, shellquote.Suggest("tokendesk", "login", name))
	}
	if removeSecret {
		if err := m.RemoveSecret(); err != nil {
			r.Message += " The plain-text secret could not be removed: " + err.Error()
			return r
		}
		r.SecretRemoved = true
		r.Message += " Then removed the plain-text secret from " + m.Path + "."
	}
	return r
}

// holds says whether the profile named name is m's client with m's secret.
func (d *Desk) holds(name string, m importer.MedplumFile) bool {
	f, err := d.store.Load()
	if err != nil {
		return false
	}
	q, err := f.ByName(name)
	if err != nil || q.ClientID != m.Profile.ClientID {
		return false
	}
	kept, err := d.keys.Secret(context.Background(), q)
	return err == nil && kept == m.Secret
}
