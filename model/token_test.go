package model

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretsNotFormatted(t *testing.T) {
	tok := Token{AccessToken: "tok-visible-nowhere", Extra: nil}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("token", "t", tok)
	for _, s := range []string{fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprint(&tok), logged.String()} {
		if strings.Contains(s, "tok-visible-nowhere") {
			t.Errorf("formatted token shows its value: %s", s)
		}
	}
}
