package shellquote

import "testing"

func TestPowerShellString(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "''",
		"plain":                   "'plain'",
		"O'Brien":                 "'O''Brien'",
		"$env:HOME `n @(x) \"q\"": "'$env:HOME `n @(x) \"q\"'",
		"it’s":                    "'it’’s'",
	} {
		if got := PowerShellString(in); got != want {
			t.Errorf("PowerShellString(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestCommand(t *testing.T) {
	for _, tt := range []struct {
		shell string
		args  []string
		want  string
	}{
		{POSIX, []string{"tokendesk", "edit", "$(touch x)", "--secret-stdin"}, `tokendesk edit '$(touch x)' --secret-stdin`},
		{POSIX, []string{"tokendesk", "login", "prod"}, "tokendesk login prod"},
		{PowerShell, []string{"tokendesk", "login", "it's prod"}, "tokendesk login 'it''s prod'"},
		{PowerShell, []string{"tokendesk", "token", "$env:X"}, "tokendesk token '$env:X'"},
	} {
		if got := Command(tt.shell, tt.args...); got != tt.want {
			t.Errorf("Command(%s, %q) = %s; want %s", tt.shell, tt.args, got, tt.want)
		}
	}
}

func TestWord(t *testing.T) {
	for in, want := range map[string]string{
		"":               "''",
		"plain":          "plain",
		"a b":            "'a b'",
		"$(touch x)":     "'$(touch x)'",
		"it's":           `'it'"'"'s'`,
		"https://x/?a=b": "'https://x/?a=b'",
	} {
		if got := Word(in); got != want {
			t.Errorf("Word(%q) = %s; want %s", in, got, want)
		}
	}
}
