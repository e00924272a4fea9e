package httpstub

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// front is the stub's middleware in front of every route: requestLog outermost, then inner
// (recovery, CORS, the single Authorization rule), chained once at start-up into one Echo
// middleware. Echo applies the middleware given to Use on every request, a closure per
// middleware; as one, the chain costs one closure per request instead of four. The route's
// handler (with any middleware added to Echo later) is found in the exchange context at the
// end of the chain.
func (s *Stack) front(inner ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	var chain echo.HandlerFunc = callRoute
	for i := len(inner) - 1; i >= 0; i-- {
		chain = inner[i](chain)
	}
	return func(route echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return s.requestLog(c, chain, route) }
	}
}

// routeKey is the context key under which the exchange context gives itself to callRoute.
type routeKey struct{}

// callRoute ends front's chain: it calls the route's handler that requestLog kept.
func callRoute(c echo.Context) error {
	return c.Request().Context().Value(routeKey{}).(*exchangeContext).route(c)
}

// requestLog runs one request through next, front's chain in front of route. It is the
// outermost middleware: it opens the request's exchange, has errors answered (so it sees the
// final status), writes one structured line per request, records the request in the journal
// and counts a CRM.COM method's answer for coverage.
//
// The line holds no secret: no headers, no query string (a token may travel there), no body,
// and of a token only its session ID (jti); keys and passwords never reach it.
func (s *Stack) requestLog(c echo.Context, next, route echo.HandlerFunc) error {
	r := c.Request()
	// Asked once, up front: without a line to write, not even the clock is read.
	logging := s.logger.Enabled(r.Context(), slog.LevelInfo)
	var start, arrived time.Time
	if logging || s.journal != nil {
		start = time.Now()
	}
	if s.journal != nil {
		arrived = clock.At(s.clock, start) // the stub's time when the request came
	}
	xc := &exchangeContext{Context: r.Context(), route: route}
	x := &xc.x
	c.SetRequest(r.WithContext(xc))
	if err := next(c); err != nil {
		c.Error(err)
	}
	// One clock reading ends the request for the journal's latency and the line's time and
	// duration alike.
	var end time.Time
	if logging || !x.unjournalled && s.journal != nil {
		end = time.Now()
	}
	status := c.Response().Status
	if !x.unjournalled {
		s.record(r, status, x, arrived, end.Sub(start))
	}
	if !logging {
		return nil
	}
	if s.lines != nil {
		s.writeLine(r, status, x, end, end.Sub(start))
		return nil
	}
	// The record goes to the handler directly, as Logger.LogAttrs would hand it over, but
	// with the clock read once for the line's time and its duration, and without the
	// caller's program counter (a stack walk per line, a fifth of the line's cost): the
	// source of a request line would always be this line.
	var buf [8]slog.Attr // on the stack: the record copies them
	attrs := append(buf[:0],
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", end.Sub(start)),
		slog.String("remote", remoteHost(r.RemoteAddr)),
	)
	if x.operation != "" {
		attrs = append(attrs, slog.String("operation", x.operation))
	}
	if x.code != "" {
		attrs = append(attrs, slog.String("code", string(x.code)))
	}
	if x.hasSession {
		attrs = append(attrs, slog.String("jti", x.session.String()))
	}
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs...)
	_ = s.logger.Handler().Handle(r.Context(), rec) // as Logger.LogAttrs, which drops the error
	return nil
}

// writeLine is requestLog's line through textlog's direct path (crmauth serve's text log):
// the same attributes in the same order, written as slog's text handler writes them
// (textlog.TestLineMatchesSlog), without a record, and the jti without a string of its own.
func (s *Stack) writeLine(r *http.Request, status int, x *exchange, end time.Time, d time.Duration) {
	l := s.lines.NewLine(end, slog.LevelInfo, "request")
	l.String("method", r.Method)
	l.String("path", r.URL.Path)
	l.Int("status", status)
	l.Duration("duration", d)
	l.String("remote", remoteHost(r.RemoteAddr))
	if x.operation != "" {
		l.String("operation", x.operation)
	}
	if x.code != "" {
		l.String("code", string(x.code))
	}
	if x.hasSession {
		var jti [32]byte
		l.Bytes("jti", x.session.AppendJTI(jti[:0]))
	}
	_ = l.Write() // as Logger.LogAttrs, which drops the error
}

// record puts the exchange into the journal and counts a CRM.COM method's answer for coverage.
// A store that cannot be asked costs the request nothing but a log line: the answer is given.
func (s *Stack) record(r *http.Request, status int, x *exchange, arrived time.Time, latency time.Duration) {
	code := string(x.code)
	if code == "" && x.operation != "" && status < 400 {
		code = "OK"
	}
	ctx := r.Context()
	counted := x.operation != ""
	if s.journal == nil {
		if counted {
			s.warnStore(ctx, "coverage", s.coverage.Add(ctx, x.operation, status, code))
		}
		return
	}
	client := x.client // an operation's chain noted it for the brake
	if x.operation == "" {
		client = remoteHost(r.RemoteAddr)
	}
	e := journal.Entry{
		Time: arrived, Operation: x.operation, Method: r.Method, Path: r.URL.Path, Status: status,
		Code: code, Session: x.session, HasSession: x.hasSession, Holder: x.holder,
		Latency: latency, Fault: string(x.fault), Client: client,
		Reason: x.notes.Reason, Upstream: x.notes.Upstream,
	}
	if s.recorder != nil {
		s.warnStore(ctx, "journal", s.recorder.Record(ctx, e, counted))
		return
	}
	if counted {
		s.warnStore(ctx, "coverage", s.coverage.Add(ctx, x.operation, status, code))
	}
	s.warnStore(ctx, "journal", s.journal.Append(ctx, e))
}

// warnStore logs a store's failure to record a request.
func (s *Stack) warnStore(ctx context.Context, store string, err error) {
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, store+": store failed", slog.String("error", err.Error()))
	}
}

// exchangeContext is a request's context carrying its exchange, as context.WithValue would make
// it, in one allocation instead of two: every request has one.
type exchangeContext struct {
	context.Context
	x exchange
	// route is the route's handler, which callRoute calls at the end of front's chain.
	route echo.HandlerFunc
	// validation is the validator's scratch space for this request (validateResolved), here
	// so that it costs no allocation of its own.
	validation validationScratch
	// token is the token a check accepted (withTokenInfo), for TokenInfoFrom; nil: none. A
	// pointer, as most requests have none: held in place it would take every request's
	// exchange context up two size classes.
	token *TokenInfo
}

func (c *exchangeContext) Value(key any) any {
	switch key.(type) {
	case exchangeKey:
		return &c.x
	case routeKey:
		return c
	case journal.NotesKey:
		return &c.x.notes
	case tokenInfoKey:
		if c.token != nil {
			return *c.token
		}
	}
	return c.Context.Value(key)
}

// remoteHost is the peer's address without the port. Forwarding headers are not trusted: the
// stub is not meant to sit behind a proxy, and a client could put anything there.
func remoteHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// markOperation names the operation in the exchange, for the log.
func markOperation(operation string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			exchangeFrom(c.Request().Context()).operation = operation
			return next(c)
		}
	}
}
