package authority

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Fixtures say who may log in to the stub: users with passwords, Web API keys, and consumer
// application keys with their consumers' access tokens. LoadFixtures reads them from YAML (the
// shape of fixtures_default.yaml); Go tests may also build them in code.
//
// Secrets (Password, PassCode, AuthenticationCode) are plain text or bcrypt hashes ($2a$, $2b$,
// $2y$). Keys are plain text: the stub looks them up.
type Fixtures struct {
	Users                   []User                   `yaml:"users"`
	WebAPIKeys              []WebAPIKey              `yaml:"web_api_keys"`
	ConsumerApplicationKeys []ConsumerApplicationKey `yaml:"consumer_application_keys"`
}

// User logs in with authentication/token.
type User struct {
	Username     string   `yaml:"username"`
	Password     string   `yaml:"password"`
	Organisation string   `yaml:"organisation"`
	DefaultUnit  string   `yaml:"default_unit"`
	Units        []string `yaml:"units"` // units the user may ask for; DefaultUnit always may be
}

// WebAPIKey gets tokens with authentication/web_api_key/token.
type WebAPIKey struct {
	Key          string   `yaml:"key"`
	Organisation string   `yaml:"organisation"`
	User         string   `yaml:"user"` // the usr claim of the key's tokens
	DefaultUnit  string   `yaml:"default_unit"`
	Units        []string `yaml:"units"`
}

// ConsumerApplicationKey gets tokens with authentication/consumer_application_key/token for
// the consumers whose access tokens it lists.
type ConsumerApplicationKey struct {
	Key          string        `yaml:"key"`
	Organisation string        `yaml:"organisation"`
	User         string        `yaml:"user"`
	DefaultUnit  string        `yaml:"default_unit"`
	Units        []string      `yaml:"units"`
	AccessTokens []AccessToken `yaml:"access_tokens"`
}

// AccessToken is a consumer's access token, identified by AuthenticationCode, or by
// Identifier together with PassCode (either or both may be set).
type AccessToken struct {
	AuthenticationCode string `yaml:"authentication_code"`
	Identifier         string `yaml:"identifier"`
	PassCode           string `yaml:"pass_code"`
	Contact            string `yaml:"contact"`             // the cii claim
	AccountsReceivable string `yaml:"accounts_receivable"` // the ari claim
}

//go:embed fixtures_default.yaml
var defaultFixturesYAML []byte

// DefaultFixtures returns a fresh copy of the embedded defaults (fixtures_default.yaml): user
// jdoe / s3cret-Passw0rd in organisation ps_dev (units 1 and 2), and the vendor's example key
// EE73C0AE64524371B5DDEFF5F7BB2192 as both a Web API key and a consumer application key.
func DefaultFixtures() *Fixtures {
	f, err := parseFixtures("fixtures_default.yaml", defaultFixturesYAML)
	if err != nil {
		panic("serverimpl: embedded default fixtures are broken: " + err.Error())
	}
	return f
}

// LoadFixtures reads fixtures from a YAML file. A bad file gives an error that names the file,
// the line and the field, for example
//
//	fixtures.yaml:12: users[1].password: is missing
func LoadFixtures(path string) (*Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return parseFixtures(path, data)
}

func parseFixtures(name string, data []byte) (*Fixtures, error) {
	var f Fixtures
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt field fails loudly instead of being ignored
	if err := dec.Decode(&f); err != nil {
		return nil, yamlError(name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if problems := f.problems(); len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = &FixtureError{File: name, Line: lineOf(&root, p.path), Path: formatPath(p.path), Problem: p.problem}
		}
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

// Validate checks fixtures built in code; errors name the field (LoadFixtures adds lines).
func (f *Fixtures) Validate() error {
	problems := f.problems()
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = &FixtureError{Path: formatPath(p.path), Problem: p.problem}
	}
	return errors.Join(errs...)
}

// FixtureError is one thing wrong with fixtures, and where.
type FixtureError struct {
	File    string // empty for fixtures built in code
	Line    int    // 0 when unknown
	Path    string // e.g. users[1].password
	Problem string
}

func (e *FixtureError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
		if e.Line > 0 {
			b.WriteString(strconv.Itoa(e.Line))
			b.WriteString(":")
		}
		b.WriteString(" ")
	} else {
		b.WriteString("fixtures: ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// yamlError turns yaml.v3's errors into FILE:LINE: messages without Go type names.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			line := 0
			if rest, ok := strings.CutPrefix(msg, "line "); ok {
				if n, after, ok := strings.Cut(rest, ": "); ok {
					line, _ = strconv.Atoi(n)
					msg = after
				}
			}
			msg = cleanTypeNames(msg)
			errs = append(errs, &FixtureError{File: name, Line: line, Problem: msg})
		}
		return errors.Join(errs...)
	}
	if errors.Is(err, io.EOF) { // yaml.v3's answer to an empty document
		return &FixtureError{File: name, Problem: "the file is empty"}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return &FixtureError{File: name, Line: line, Problem: after}
			}
		}
	}
	return &FixtureError{File: name, Problem: msg}
}

// cleanTypeNames rewrites "field passwrd not found in type authority.User" as
// "unknown field passwrd", and "cannot unmarshal !!seq into string" as "expected a single
// value, found a list".
func cleanTypeNames(msg string) string {
	if strings.HasPrefix(msg, "field ") && strings.Contains(msg, " not found in type ") {
		field := strings.TrimPrefix(msg[:strings.Index(msg, " not found in type ")], "field ")
		return "unknown field " + strconv.Quote(field)
	}
	replacer := strings.NewReplacer(
		"!!seq", "a list", "!!map", "a mapping", "!!str", "a string", "!!int", "a number",
		"!!bool", "a boolean", "!!float", "a number", "!!null", "null",
		"[]authority.", "a list of ", "authority.", "",
		"[]string", "a list of strings",
	)
	return replacer.Replace(msg)
}

// fixtureProblem is a problem at a path such as {"users", 1, "password"}.
type fixtureProblem struct {
	path    []any
	problem string
}

func (f *Fixtures) problems() []fixtureProblem {
	var l problemList
	if len(f.Users)+len(f.WebAPIKeys)+len(f.ConsumerApplicationKeys) == 0 {
		l.add("no users, web_api_keys or consumer_application_keys: nobody could log in")
	}
	l.users(f.Users)
	l.webAPIKeys(f.WebAPIKeys)
	l.consumerKeys(f.ConsumerApplicationKeys)
	return l.out
}

// problemList gathers the fixtures' problems in the order of the file.
type problemList struct{ out []fixtureProblem }

func (l *problemList) add(problem string, path ...any) {
	l.out = append(l.out, fixtureProblem{path, problem})
}

func (l *problemList) required(value string, path ...any) {
	if strings.TrimSpace(value) == "" {
		l.add("is missing", path...)
	}
}

func (l *problemList) secret(value string, path ...any) {
	if value == "" {
		return
	}
	if err := checkSecret(value); err != nil {
		l.add(err.Error(), path...)
	}
}

func (l *problemList) units(list []string, path ...any) {
	for i, u := range list {
		if strings.TrimSpace(u) == "" {
			l.add("is empty", append(path, "units", i)...)
		}
	}
}

func (l *problemList) users(users []User) {
	seen := map[string]int{}
	for i, u := range users {
		l.required(u.Username, "users", i, "username")
		l.required(u.Password, "users", i, "password")
		l.required(u.Organisation, "users", i, "organisation")
		l.required(u.DefaultUnit, "users", i, "default_unit")
		l.secret(u.Password, "users", i, "password")
		l.units(u.Units, "users", i)
		k := u.Organisation + "\x00" + u.Username
		if j, dup := seen[k]; dup && u.Username != "" {
			l.add(fmt.Sprintf("user %q of organisation %q is already defined at users[%d]", u.Username, u.Organisation, j), "users", i, "username")
		} else {
			seen[k] = i
		}
	}
}

func (l *problemList) webAPIKeys(keys []WebAPIKey) {
	seen := map[string]int{}
	for i, k := range keys {
		l.required(k.Key, "web_api_keys", i, "key")
		l.required(k.Organisation, "web_api_keys", i, "organisation")
		l.required(k.User, "web_api_keys", i, "user")
		l.required(k.DefaultUnit, "web_api_keys", i, "default_unit")
		l.units(k.Units, "web_api_keys", i)
		if j, dup := seen[k.Key]; dup && k.Key != "" {
			l.add(fmt.Sprintf("the key is already defined at web_api_keys[%d]", j), "web_api_keys", i, "key")
		} else {
			seen[k.Key] = i
		}
	}
}

func (l *problemList) consumerKeys(keys []ConsumerApplicationKey) {
	const s = "consumer_application_keys"
	seen := map[string]int{}
	for i, k := range keys {
		l.required(k.Key, s, i, "key")
		l.required(k.Organisation, s, i, "organisation")
		l.required(k.User, s, i, "user")
		l.required(k.DefaultUnit, s, i, "default_unit")
		l.units(k.Units, s, i)
		if j, dup := seen[k.Key]; dup && k.Key != "" {
			l.add(fmt.Sprintf("the key is already defined at %s[%d]", s, j), s, i, "key")
		} else {
			seen[k.Key] = i
		}
		l.accessTokens(k.AccessTokens, s, i)
	}
}

func (l *problemList) accessTokens(tokens []AccessToken, s string, i int) {
	seen := map[string]int{}
	for j, t := range tokens {
		path := []any{s, i, "access_tokens", j}
		at := func(field string) []any { return append(append([]any{}, path...), field) }
		if t.AuthenticationCode == "" && t.Identifier == "" {
			l.add("needs authentication_code, or identifier with pass_code", path...)
		}
		if t.Identifier != "" && t.PassCode == "" {
			l.add("is missing (identifier needs it)", at("pass_code")...)
		}
		if t.PassCode != "" && t.Identifier == "" {
			l.add("is missing (pass_code belongs to an identifier)", at("identifier")...)
		}
		l.required(t.Contact, at("contact")...)
		l.required(t.AccountsReceivable, at("accounts_receivable")...)
		l.secret(t.AuthenticationCode, at("authentication_code")...)
		l.secret(t.PassCode, at("pass_code")...)
		if t.Identifier != "" {
			if first, dup := seen[t.Identifier]; dup {
				l.add(fmt.Sprintf("identifier %q is already used by access_tokens[%d]", t.Identifier, first), at("identifier")...)
			} else {
				seen[t.Identifier] = j
			}
		}
	}
}

func formatPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

// lineOf finds the line of path in the YAML document: the field's own line when it is there,
// otherwise the line of the nearest enclosing entry (where a missing field would go).
func lineOf(root *yaml.Node, path []any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				return line
			}
			n = n.Content[p]
			line = n.Line
		}
	}
	return line
}
