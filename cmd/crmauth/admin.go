package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
)

// runAdmin is `crmauth admin <what>`: the stub's administration routes (api/admin.yaml)
// through the generated admin client, as a table or (-json) the answer's data.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return adminUsage(len(args) == 0, stderr)
	}
	what, args := args[0], args[1:]
	fs := newFlagSet("admin " + what)
	conn := newAdminConn(fs)
	command, known := adminCommands[what]
	if !known {
		return usageFailure(stderr, "admin", fmt.Errorf("unknown %q: use requests, sessions, end-session, reset or coverage", what))
	}
	call := command(fs)
	if code, done := parseCommandLine(fs, args, adminEnvs, "crmauth admin "+what+" [flags]", stderr); done {
		return code
	}
	if what != "end-session" && fs.NArg() > 0 {
		return usageFailure(stderr, fs.Name(), fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	return conn.answer(ctx, call, fs.Name(), stdout, stderr)
}

// adminUsage is `crmauth admin` alone (a usage error) or with only -h (asked for).
func adminUsage(missing bool, stderr io.Writer) int {
	const usage = "crmauth admin requests|sessions|end-session|reset|coverage [flags]"
	fmt.Fprintf(stderr, "usage: %s\n\n"+
		"  requests     the journal of requests the stub answered, newest first\n"+
		"  sessions     the sessions the stub holds\n"+
		"  end-session  end a session from the server side: crmauth admin end-session [-as expired] JTI\n"+
		"  reset        return the stub to its start state\n"+
		"  coverage     which declared answers the stub gave\n\n"+
		"Run 'crmauth admin <what> -h' for its flags.\n", usage)
	if missing {
		return 2
	}
	return 0
}

// adminCommands are the subcommands: each declares its own flags and returns the call it
// makes once they are parsed.
var adminCommands = map[string]func(fs *flag.FlagSet) adminCall{
	"requests":    adminRequests,
	"sessions":    adminSessions,
	"end-session": adminEndSession,
	"reset":       adminReset,
	"coverage":    adminCoverage,
}

// An adminCall asks the stub one thing and returns its answer.
type adminCall func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error)

// adminAnswer is a 200's data, printed as JSON by -json and as its table otherwise.
type adminAnswer struct {
	data  any
	table func(io.Writer)
}

// adminEnvs are the flags every subcommand shares that the environment may set.
var adminEnvs = []envFlag{{name: "server", env: "CRMAUTH_SERVER"}, {name: "admin-token", env: "CRMAUTH_ADMIN_TOKEN", secret: true},
	{name: "timeout", env: "CRMAUTH_TIMEOUT"}}

// adminConn is the flags every subcommand shares: where the stub is, how to reach it, how to print.
type adminConn struct {
	server, token *string
	asJSON        *bool
	timeout       *time.Duration
}

func newAdminConn(fs *flag.FlagSet) adminConn {
	return adminConn{
		server:  fs.String("server", "http://localhost:8080", "the stub's root URL [$CRMAUTH_SERVER]"),
		token:   fs.String("admin-token", "", "the stub's admin token, when it requires one [$CRMAUTH_ADMIN_TOKEN]"),
		asJSON:  fs.Bool("json", false, "print the answer's data as JSON instead of a table"),
		timeout: fs.Duration("timeout", 30*time.Second, "give up after this long [$CRMAUTH_TIMEOUT]"),
	}
}

// answer is the step every subcommand ends with: make the call through the generated admin
// client and print its answer, or the reason there is none.
func (a adminConn) answer(ctx context.Context, call adminCall, name string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, *a.timeout)
	defer cancel()
	client, err := adminapi.NewClientWithResponses(strings.TrimSuffix(*a.server, "/"),
		adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if *a.token != "" {
				r.Header.Set("Authorization", "Bearer "+*a.token)
			}
			return nil
		}))
	if err != nil {
		return usageFailure(stderr, name, err)
	}
	got, err := call(ctx, client)
	if err != nil {
		return failure(stderr, name, err)
	}
	if !*a.asJSON {
		got.table(stdout)
		return 0
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got.data); err != nil {
		return failure(stderr, name, err)
	}
	return 0
}

// envelopeOf is what every admin call shares after it is sent: the transport's error as it
// is, an answer other than the operation's 200 as the envelope's one line, else the 200's
// envelope. The generated *…Response types share no interface, but each holds the fields
// HTTPResponse, Body and JSON200 (a *E); a type without them is a programming error, which
// TestAdminCommands meets for every subcommand.
func envelopeOf[E any, R any](resp *R, err error) (*E, error) {
	if err != nil {
		return nil, err
	}
	v := reflect.ValueOf(resp).Elem()
	if ok := v.FieldByName("JSON200").Interface().(*E); ok != nil {
		return ok, nil
	}
	return nil, answerError(v.FieldByName("HTTPResponse").Interface().(*http.Response), v.FieldByName("Body").Bytes())
}

func adminRequests(fs *flag.FlagSet) adminCall {
	operation := fs.String("operation", "", "only this operation (Login, ReleaseToken, …) or path of another route")
	status := fs.Int("status", 0, "only this HTTP status")
	code := fs.String("code", "", "only this status.code")
	session := fs.String("session", "", "only this session (jti)")
	since := fs.String("since", "", "only at or after this instant (RFC 3339), by the stub's clock")
	reason := fs.String("reason", "", "only refusals whose reason contains these words (ignoring case)")
	limit := fs.Int("limit", 100, "at most this many, the newest")
	return func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error) {
		p := adminapi.ListRequestsParams{Operation: optional(*operation), Code: optional(*code), Session: optional(*session),
			Reason: optional(*reason), Limit: limit}
		if *status != 0 {
			p.Status = status
		}
		if *since != "" {
			t, err := time.Parse(time.RFC3339, *since)
			if err != nil {
				return adminAnswer{}, fmt.Errorf("-since %q: give an RFC 3339 instant such as 2026-03-01T12:00:00Z", *since)
			}
			p.Since = &t
		}
		env, err := envelopeOf[adminapi.RequestsEnvelope](c.ListRequestsWithResponse(ctx, &p))
		if err != nil {
			return adminAnswer{}, err
		}
		d := env.Data
		return adminAnswer{d, func(w io.Writer) { requestsTable(w, d.Requests, d.Count) }}, nil
	}
}

func adminSessions(fs *flag.FlagSet) adminCall {
	state := fs.String("state", "", "only sessions in this state: live, expired or released")
	username := fs.String("username", "", "only this user's sessions")
	limit := fs.Int("limit", 1000, "at most this many")
	return func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error) {
		p := adminapi.ListSessionsParams{Username: optional(*username), Limit: limit}
		if *state != "" {
			s := adminapi.SessionState(*state)
			p.State = &s
		}
		env, err := envelopeOf[adminapi.SessionsEnvelope](c.ListSessionsWithResponse(ctx, &p))
		if err != nil {
			return adminAnswer{}, err
		}
		d := env.Data
		return adminAnswer{d, func(w io.Writer) { sessionsTable(w, d.Sessions, d.Count) }}, nil
	}
}

func adminEndSession(fs *flag.FlagSet) adminCall {
	as := fs.String("as", "released", "end it as released (the app then sees INVALID_TOKEN) or expired (TOKEN_EXPIRED)")
	return func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error) {
		if fs.NArg() != 1 {
			return adminAnswer{}, errors.New("give the session's jti")
		}
		a := adminapi.EndSessionParamsAs(*as)
		env, err := envelopeOf[adminapi.EndSessionEnvelope](c.EndSessionWithResponse(ctx, fs.Arg(0), &adminapi.EndSessionParams{As: &a}))
		if err != nil {
			return adminAnswer{}, err
		}
		d := env.Data
		return adminAnswer{d, func(w io.Writer) {
			fmt.Fprintf(w, "session %s: was %s, now %s\n", d.Session.Jti, d.Was, d.Session.State)
		}}, nil
	}
}

func adminReset(*flag.FlagSet) adminCall {
	return func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error) {
		env, err := envelopeOf[adminapi.ResetEnvelope](c.ResetWithResponse(ctx))
		if err != nil {
			return adminAnswer{}, err
		}
		d := env.Data
		return adminAnswer{d, func(w io.Writer) { fmt.Fprintf(w, "reset; fixtures: %s\n", d.Fixtures) }}, nil
	}
}

func adminCoverage(*flag.FlagSet) adminCall {
	return func(ctx context.Context, c *adminapi.ClientWithResponses) (adminAnswer, error) {
		env, err := envelopeOf[adminapi.CoverageEnvelope](c.GetCoverageWithResponse(ctx))
		if err != nil {
			return adminAnswer{}, err
		}
		d := env.Data
		return adminAnswer{d, func(w io.Writer) { coverageTable(w, d) }}, nil
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// answerError is a refusal in the envelope as one line: the HTTP status, status.code and
// status.message (never the request: it may hold the admin token).
func answerError(resp *http.Response, body []byte) error {
	var env adminapi.ErrorResponse
	if err := json.Unmarshal(body, &env); err != nil || env.Status.Code == "" {
		return fmt.Errorf("the server answered %s, not the stub's envelope (is -server a crmauth stub with its admin routes on?)", resp.Status)
	}
	return fmt.Errorf("%d %s: %s", resp.StatusCode, env.Status.Code, env.Status.Message)
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func requestsTable(w io.Writer, entries []adminapi.RequestEntry, count int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tOPERATION\tSTATUS\tCODE\tSESSION\tUSER\tLATENCY\tFAULT\tREASON")
	for _, e := range entries {
		what := deref(e.Operation)
		if e.Operation == nil {
			what = e.Method + " " + e.Path
		}
		user := "-"
		if e.Holder != nil {
			user = e.Holder.Username + "@" + e.Holder.Organisation + "/" + e.Holder.Unit
		}
		if e.Upstream != nil {
			what += " (upstream " + *e.Upstream + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%.2fms\t%s\t%s\n", e.Time.Format(time.RFC3339Nano), what, e.Status,
			deref(e.Code), deref(e.Session), user, e.LatencyMs, deref(e.Fault), deref(e.Reason))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d matching\n", len(entries), count)
}

func sessionsTable(w io.Writer, list []adminapi.Session, count int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JTI\tMETHOD\tUSER\tISSUED\tLAST USE\tDEADLINE\tSTATE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Jti, s.Method,
			s.Holder.Username+"@"+s.Holder.Organisation+"/"+s.Holder.Unit,
			s.IssuedAt.Format(time.RFC3339), s.LastUse.Format(time.RFC3339), s.Deadline.Format(time.RFC3339), s.State)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d matching\n", len(list), count)
}

// coverageTable is the short form: per operation, how many declared answers were given, and
// the ones never given; then any answer given that is not declared.
func coverageTable(w io.Writer, c adminapi.Coverage) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tGIVEN\tNEVER GIVEN")
	for _, op := range c.Operations {
		declared, given := 0, 0
		var never []string
		for _, a := range op.Answers {
			if !a.Declared {
				continue
			}
			declared++
			if a.Count > 0 {
				given++
			} else {
				never = append(never, fmt.Sprintf("%d %s", a.Status, a.Code))
			}
		}
		if declared == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\n", op.Operation, given, declared, strings.Join(never, ", "))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d declared answers given\n", c.Given, c.Declared)
	for _, k := range c.Undeclared {
		fmt.Fprintf(w, "given but not declared: %s %d %s\n", k.Operation, k.Status, k.Code)
	}
}
