package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tokendesk/tokendesk/internal/safetext"
)

// redacted stands in for a secret removed from text.
const redacted = "[redacted]"

// minLen is the shortest secret replaced wherever it occurs; a shorter one
// is replaced only as a whole word, lest every "ab" in a message go.
const minLen = 4

// redactor removes secrets from text a server sent back (an error
// description, the start of a body): each secret in every encoding a
// request may have carried it in, and the values of the request's
// credential fields wholesale, whatever their length. It is the one
// redaction helper of the package.
type redactor struct {
	long  []string // replaced wherever they occur
	short []string // replaced as whole words
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		r.add(s)
	}
	return r
}

// add adds secret in its raw, URL-encoded and JSON-escaped forms.
func (r *redactor) add(secret string) {
	if secret == "" {
		return
	}
	for _, v := range encodings(secret) {
		if len(v) < minLen {
			r.short = appendNew(r.short, v)
		} else {
			r.long = appendNew(r.long, v)
		}
	}
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// encodings are the forms in which s may come back: as sent (raw, in a
// query, in a path) and as a JSON string's content, the way Go, Python
// (ASCII only) and PHP (slashes too) escape it.
func encodings(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20")}
	var html, plain strings.Builder
	_ = json.NewEncoder(&html).Encode(s)
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	for _, j := range []string{html.String(), plain.String()} {
		j = strings.TrimSpace(j)
		out = append(out, j[1:len(j)-1])
	}
	ascii := jsonASCII(s, "%04x")
	out = append(out, ascii, jsonASCII(s, "%04X"), strings.ReplaceAll(ascii, "/", `\/`))
	return out
}

// jsonASCII is s as JSON string content with every non-ASCII character a
// \u escape (surrogate pairs beyond the BMP), hex digits in format.
func jsonASCII(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r >= utf8.RuneSelf:
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u`+format+`\u`+format, r1, r2)
				continue
			}
			fmt.Fprintf(&b, `\u`+format, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fields are the secret fields of a request or an answer as a server may
// echo them: client_secret=… from the form, "device_code": "…" in JSON
// (itself perhaps escaped inside a JSON string), Authorization: Basic …;
// their values are redacted whatever they are.
var fields = regexp.MustCompile(`(?i)(\b(?:client_secret|client_assertion|assertion|access_token|refresh_token|id_token|device_code|code|code_verifier|subject_token|actor_token|token)=)[^&\s"',;}]+` +
	`|(\\?"(?:client_secret|client_assertion|assertion|access_token|refresh_token|id_token|device_code|code|code_verifier|subject_token|actor_token|token)\\?"\s*:\s*\\?")[^"\\]*` +
	`|(\bBasic\s+)[A-Za-z0-9+/]{4,}={0,2}` +
	`|(\bBearer\s+)[A-Za-z0-9._~+/-]{8,}=*`)

// text is s without the secrets.
func (r *redactor) text(s string) string {
	if r == nil {
		return s
	}
	for _, v := range r.long {
		s = strings.ReplaceAll(s, v, redacted)
	}
	for _, v := range r.short {
		s = replaceWord(s, v)
	}
	return fields.ReplaceAllStringFunc(s, func(m string) string {
		for _, name := range fields.FindStringSubmatch(m)[1:] {
			if name != "" {
				return name + redacted
			}
		}
		return redacted
	})
}

// replaceWord replaces v in s where no letter or digit touches it.
func replaceWord(s, v string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, v)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(v):])
		b.WriteString(s[:i])
		if i > 0 && wordRune(before) || i+len(v) < len(s) && wordRune(after) {
			b.WriteString(v)
		} else {
			b.WriteString(redacted)
		}
		s = s[i+len(v):]
	}
}

func wordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf
}

// shown is server-sent text as an error may show it: without the secrets,
// control characters escaped.
func (r *redactor) shown(s string) string { return safetext.Escape(r.text(s)) }

// body is the start of a server's body as an error may show it: redacted
// before snippet folds the spaces a secret may hold.
func (r *redactor) body(b []byte) string { return r.shown(snippet([]byte(r.text(string(b))))) }

// err is err without the secrets: a FetchError keeps its type and fields.
func (r *redactor) err(err error) error {
	if err == nil || r == nil {
		return err
	}
	var fe *FetchError
	if errors.As(err, &fe) && error(fe) == err {
		c := *fe
		c.Code, c.Description, c.Snippet = r.shown(c.Code), r.shown(c.Description), r.shown(c.Snippet)
		return &c
	}
	if msg := r.text(err.Error()); msg != err.Error() {
		return redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError is an error whose text had a secret taken out; errors.Is
// and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
