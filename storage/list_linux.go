package storage

import (
	"github.com/godbus/dbus/v5"
)

// List names every user filed under Service in the Secret Service, locked
// collections included (an item's attributes can be read without
// unlocking it).
func (s *SecretService) List() ([]string, error) {
	var users []string
	err := s.do(func(o *op) error {
		users = nil
		var unlocked, locked []dbus.ObjectPath
		if err := o.call(ssPath, ssService+".SearchItems", map[string]string{"service": Service}).Store(&unlocked, &locked); err != nil {
			return err
		}
		for _, item := range append(unlocked, locked...) {
			var v dbus.Variant
			if err := o.call(item, "org.freedesktop.DBus.Properties.Get", ssItem, "Attributes").Store(&v); err != nil {
				return err
			}
			attrs, _ := v.Value().(map[string]string)
			if u := attrs["username"]; u != "" {
				users = append(users, u)
			}
		}
		return nil
	})
	return users, err
}

// List names every user filed under Service; go-keyring files items in
// the Secret Service on Linux.
func (k Keyring) List() ([]string, error) { return (&SecretService{Timeout: k.Timeout}).List() }
