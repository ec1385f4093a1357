package safetext

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Bearer", "Bearer"},
		{"Bearer\x1b[31m\r\nX-Injected: 1", `Bearer\x1b[31m\r\nX-Injected: 1`},
		{"tab\there", `tab\there`},
		{"ünïcödé ok", "ünïcödé ok"},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"del\x7f", `del\x7f`},
		{"c1\u009b2J", `c1\u009b2J`},
		{"bad\xffbyte", `bad\ufffdbyte`},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q; want %q", c.in, got, c.want)
		}
		if got, want := Unsafe(c.in), c.in != c.want; got != want {
			t.Errorf("Unsafe(%q) = %v; want %v", c.in, got, want)
		}
	}
}
