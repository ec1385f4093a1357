package core

import (
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

// The API auth setting goes through Diff and Edit like any other, and
// "bearer" spelled out is the zero value, not a change.
func TestEditAPIAuth(t *testing.T) {
	f := newFixture(t)
	known := f.add(t, "m")
	to := known
	to.APIAuth = model.APIBearer
	if c := Diff(known, to); !isEmpty(c) {
		t.Errorf("Diff to bearer spelled out: %+v; want empty", c)
	}
	to.APIAuth = model.APIBasic
	if _, err := f.desk.Edit(known, Diff(known, to)); err != nil {
		t.Fatal(err)
	}
	if got := f.load(t, known.ID).APIAuth; got != model.APIBasic {
		t.Errorf("got API auth %q; want basic", got)
	}
}
