package core

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// notCarried are the profile's fields that no Change sets: what the file
// or the keychain decides, never a face.
var notCarried = map[string]bool{
	"ID":         true, // made by Add
	"ClientCert": true, // read from Change.CertFile, or made for the key
	"Team":       true, // set by loading a team file, never saved
	"TeamTrust":  true, // likewise: whether the person allowed that file
}

// fill gives every field of v a value other than its zero, and other than
// what the profile's own rules would default to.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("x-" + name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(7)
		case reflect.Slice:
			switch f.Type() {
			case reflect.TypeOf([]string(nil)):
				f.Set(reflect.ValueOf([]string{"s-" + name}))
			case reflect.TypeOf([]model.Header(nil)):
				f.Set(reflect.ValueOf([]model.Header{{Name: "X-" + name, Value: "v"}}))
			default:
				t.Fatalf("field %s: fill does not know %s", name, f.Type())
			}
		case reflect.Map:
			if f.Type() != reflect.TypeOf(url.Values(nil)) {
				t.Fatalf("field %s: fill does not know %s", name, f.Type())
			}
			f.Set(reflect.ValueOf(url.Values{"k": {"v"}}))
		case reflect.Struct:
			if f.Type() != reflect.TypeOf(time.Time{}) {
				t.Fatalf("field %s: fill does not know %s", name, f.Type())
			}
			f.Set(reflect.ValueOf(time.Unix(1, 0)))
		default:
			t.Fatalf("field %s: fill does not know %s", name, f.Kind())
		}
	}
}

// Every setting of a profile travels through a Change: Fields (duplicate,
// cp, import) and Diff (the window's save) carry each one, so a field added
// to model.Profile and forgotten here fails this test rather than being
// lost on a save.
func TestChangesCarryEveryField(t *testing.T) {
	var p model.Profile
	fill(t, reflect.ValueOf(&p).Elem())
	p.APIAuth = model.APIBasic // Diff compares what it means, bearer or basic
	for name, got := range map[string]model.Profile{
		"Fields": Applied(model.Profile{}, Fields(p)),
		"Diff":   Applied(model.Profile{}, Diff(model.Profile{}, p)),
	} {
		gv, wv := reflect.ValueOf(got), reflect.ValueOf(p)
		for i := range wv.NumField() {
			field := wv.Type().Field(i).Name
			if notCarried[field] {
				continue
			}
			if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
				t.Errorf("%s: field %s = %v after the change; want %v", name, field, gv.Field(i).Interface(), wv.Field(i).Interface())
			}
		}
	}
}
