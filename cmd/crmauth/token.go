package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/crmcom-community/crmauth/clientimpl"
)

const tokenUsage = `crmauth token [flags]

Gets a token from a CRM.COM server (or the stub) and prints it, and nothing else, on stdout:

  token=$(crmauth token -username jdoe -organisation ps_dev)   # password from CRMAUTH_PASSWORD
  token=$(CRMAUTH_KEY=... crmauth token)                        # a Web API key

Every flag can come from its environment variable instead; a flag given on the command line
wins. Prefer the environment for passwords and keys: command lines are visible to other users
of the machine. -method picks the method; without it, the credentials given pick it (a key
with an authentication code or identifier: consumer; a key alone: web-api-key; a username:
login). Exit status: 0 with the token printed, 1 when the server refused or could not be
reached, 2 for a command line that cannot work.`

// runToken is `crmauth token`.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("token")
	var c clientFlags
	envs := bindClientFlags(fs, &c)
	var f tokenFlags
	envs = append(envs, f.bind(fs)...)
	if code, done := parseCommandLine(fs, args, envs, tokenUsage, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageFailure(stderr, "token", fmt.Errorf("unexpected argument %q (see crmauth token -h)", fs.Arg(0)))
	}
	creds, err := f.credentials()
	if err != nil {
		return usageFailure(stderr, "token", err)
	}
	client, err := c.client()
	if err != nil {
		return usageFailure(stderr, "token", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tok, err := client.Token(ctx, creds)
	if err != nil {
		return failure(stderr, "token", err)
	}
	fmt.Fprintln(stdout, tok.Value)
	return 0
}

// tokenFlags are the credentials `crmauth token` presents.
type tokenFlags struct {
	method, unit                     string
	username, password, organisation string
	key, authenticationCode          string
	identifier, passCode             string
}

// The -method values.
const (
	methodLogin     = "login"
	methodWebAPIKey = "web-api-key"
	methodConsumer  = "consumer"
)

func (f *tokenFlags) bind(fs *flag.FlagSet) []envFlag {
	fs.StringVar(&f.method, "method", "", "login, web-api-key or consumer; empty: picked from the credentials given [$CRMAUTH_METHOD]")
	fs.StringVar(&f.username, "username", "", "login: username [$CRMAUTH_USERNAME]")
	fs.StringVar(&f.password, "password", "", "login: password; prefer the environment [$CRMAUTH_PASSWORD]")
	fs.StringVar(&f.organisation, "organisation", "", "login: organisation [$CRMAUTH_ORGANISATION]")
	fs.StringVar(&f.key, "key", "", "web-api-key, consumer: the Web API key or consumer application key; prefer the environment [$CRMAUTH_KEY]")
	fs.StringVar(&f.authenticationCode, "authentication-code", "", "consumer: the access token's authentication code [$CRMAUTH_AUTHENTICATION_CODE]")
	fs.StringVar(&f.identifier, "identifier", "", "consumer: the access token's identifier, with -pass-code [$CRMAUTH_IDENTIFIER]")
	fs.StringVar(&f.passCode, "pass-code", "", "consumer: the pass code of -identifier [$CRMAUTH_PASS_CODE]")
	fs.StringVar(&f.unit, "unit", "", "the unit to get the token for; empty: the default unit [$CRMAUTH_UNIT]")
	return []envFlag{
		{name: "method", env: "CRMAUTH_METHOD"},
		{name: "username", env: "CRMAUTH_USERNAME"},
		{name: "password", env: "CRMAUTH_PASSWORD", secret: true},
		{name: "organisation", env: "CRMAUTH_ORGANISATION"},
		{name: "key", env: "CRMAUTH_KEY", secret: true},
		{name: "authentication-code", env: "CRMAUTH_AUTHENTICATION_CODE", secret: true},
		{name: "identifier", env: "CRMAUTH_IDENTIFIER"},
		{name: "pass-code", env: "CRMAUTH_PASS_CODE", secret: true},
		{name: "unit", env: "CRMAUTH_UNIT"},
	}
}

// credentials builds the credentials the flags describe. Its errors name flags, never values.
func (f *tokenFlags) credentials() (clientimpl.Credentials, error) {
	method := f.method
	if method == "" {
		switch {
		case f.key != "" && (f.authenticationCode != "" || f.identifier != ""):
			method = methodConsumer
		case f.key != "":
			method = methodWebAPIKey
		case f.username != "":
			method = methodLogin
		default:
			return nil, errors.New("no credentials: give -username, -password and -organisation, or -key (see crmauth token -h)")
		}
	}
	var creds clientimpl.Credentials
	switch method {
	case methodLogin:
		creds = clientimpl.Login{Username: f.username, Password: f.password, Organisation: f.organisation, Unit: f.unit}
	case methodWebAPIKey:
		creds = clientimpl.WebAPIKey{Key: f.key, Unit: f.unit}
	case methodConsumer:
		creds = clientimpl.ConsumerApplicationKey{Key: f.key, Unit: f.unit, AccessTokenIdentifier: clientimpl.AccessTokenIdentifier{
			AuthenticationCode: f.authenticationCode, Identifier: f.identifier, PassCode: f.passCode}}
	default:
		return nil, fmt.Errorf("-method %q: want login, web-api-key or consumer", method)
	}
	if missing := f.missing(method); missing != "" {
		return nil, fmt.Errorf("-method %s needs %s", method, missing)
	}
	return creds, nil
}

// missing names the flags method needs that are empty.
func (f *tokenFlags) missing(method string) string {
	need := func(pairs ...string) string {
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				return pairs[i]
			}
		}
		return ""
	}
	switch method {
	case methodLogin:
		return need("-username (or CRMAUTH_USERNAME)", f.username, "-password (or CRMAUTH_PASSWORD)", f.password,
			"-organisation (or CRMAUTH_ORGANISATION)", f.organisation)
	case methodWebAPIKey:
		return need("-key (or CRMAUTH_KEY)", f.key)
	case methodConsumer:
		if m := need("-key (or CRMAUTH_KEY)", f.key); m != "" {
			return m
		}
		if f.authenticationCode == "" && f.identifier == "" {
			return "-authentication-code, or -identifier and -pass-code"
		}
		if f.identifier != "" {
			return need("-pass-code (or CRMAUTH_PASS_CODE) with -identifier", f.passCode)
		}
	}
	return ""
}
