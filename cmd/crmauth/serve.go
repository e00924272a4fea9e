package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crmcom-community/crmauth/internal/logbatch"
	"github.com/crmcom-community/crmauth/internal/textlog"
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/console"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

// serveConfig is what `crmauth serve` runs with: the stub's own Options, which most flags set
// directly, and what only the command has (the address, logging, the gateway, Redis). Every
// flag has an environment variable; a flag given on the command line wins over the variable,
// which wins over the default.
type serveConfig struct {
	opts serverimpl.Options // the flags' part; the logger, secret, origins and extensions are added by options

	listen          string
	secret          string // never printed: Options.Secret is set from it only by options
	allowedOrigins  string
	coverageReport  string
	logFormat       string
	logLevel        string
	shutdownTimeout time.Duration
	upstream        string
	upstreamTimeout time.Duration
	forwardAuth     bool
	redisURL        string
	redisCluster    bool
	redisPrefix     string
	redisTimeout    time.Duration

	exitOnStdinClose bool // stdinwatch.go
}

// serveFlag ties a flag to its environment variable.
type serveFlag struct {
	name, env, usage string
	value            any // pointer to the serveConfig field
}

func serveFlags(c *serveConfig) []serveFlag {
	return []serveFlag{
		{"listen", "CRMAUTH_LISTEN", "address to listen on", &c.listen},
		{"fixtures", "CRMAUTH_FIXTURES", "YAML fixtures file (default: the embedded defaults)", &c.opts.FixturesFile},
		{"secret", "CRMAUTH_SECRET", "HS256 signing secret (default: random per start; tokens then do not survive a restart)", &c.secret},
		{"login-idle-timeout", "CRMAUTH_LOGIN_IDLE_TIMEOUT", "idle time after which an authentication/token token expires", &c.opts.LoginIdleTimeout},
		{"login-expiry", "CRMAUTH_LOGIN_EXPIRY", "how authentication/token tokens end: idle (after login-idle-timeout unused, the seeds' rule) or fixed (login-token-lifetime after issue, used or not: CRM.COM R12 on)", (*string)(&c.opts.LoginExpiry)},
		{"login-token-lifetime", "CRMAUTH_LOGIN_TOKEN_LIFETIME", "lifetime of an authentication/token token with --login-expiry fixed", &c.opts.LoginTokenLifetime},
		{"key-token-lifetime", "CRMAUTH_KEY_TOKEN_LIFETIME", "lifetime of Web API key and consumer application key tokens", &c.opts.KeyTokenLifetime},
		{"numeric-dates", "CRMAUTH_NUMERIC_DATES", "write exp and iat as RFC 7519 numbers instead of CRM.COM's strings", &c.opts.NumericDates},
		{"allowed-origins", "CRMAUTH_ALLOWED_ORIGINS", "comma-separated CORS origins (default: any origin)", &c.allowedOrigins},
		{"latency", "CRMAUTH_LATENCY", "latency added to every CRM.COM method call", &c.opts.Latency},
		{"admin", "CRMAUTH_ADMIN", "serve the administration routes under /_crmauth/ (journal, sessions, reset, coverage, clock; described at " + serverimpl.AdminDocumentPath + ")", &c.opts.Admin},
		{"admin-allow-remote", "CRMAUTH_ADMIN_ALLOW_REMOTE", "with no admin token, let every host call the administration routes (by default only loopback may: protected mode, refusing others with 403)", &c.opts.AdminAllowRemote},
		{"journal-size", "CRMAUTH_JOURNAL_SIZE", "requests the journal keeps, the newest (-1: no journal)", &c.opts.JournalSize},
		{"coverage-report", "CRMAUTH_COVERAGE_REPORT", "at shutdown, write the coverage of the declared answers to this file as JSON and a short table to stderr", &c.coverageReport},
		{"disable-faults", "CRMAUTH_DISABLE_FAULTS", "ignore the " + serverimpl.FaultHeader + " and " + serverimpl.LatencyHeader + " request headers", &c.opts.DisableFaults},
		{"log-format", "CRMAUTH_LOG_FORMAT", "log format: text or json", &c.logFormat},
		{"log-level", "CRMAUTH_LOG_LEVEL", "log level: debug, info, warn or error", &c.logLevel},
		{"shutdown-timeout", "CRMAUTH_SHUTDOWN_TIMEOUT", "how long a shutdown waits for requests in flight", &c.shutdownTimeout},
		{"max-sessions", "CRMAUTH_MAX_SESSIONS", "live sessions at most; beyond, token requests get 503 (-1: no bound)", &c.opts.MaxSessions},
		{"max-failures", "CRMAUTH_MAX_FAILURES", "failed attempts per account (organisation and username, or key) in a failure window before 429 (-1: no limit)", &c.opts.Throttle.MaxFailures},
		{"max-failures-per-client", "CRMAUTH_MAX_FAILURES_PER_CLIENT", "failed attempts per client address in a failure window before 429 (-1: no limit)", &c.opts.Throttle.MaxFailuresPerClient},
		{"failure-window", "CRMAUTH_FAILURE_WINDOW", "how long failed attempts are counted, from the first", &c.opts.Throttle.Window},
		{"disable-throttle", "CRMAUTH_DISABLE_THROTTLE", "never answer 429 to failed logins and keys", &c.opts.Throttle.Disabled},
		{"upstream", "CRMAUTH_UPSTREAM", "gateway: token-check every other request under " + serverimpl.BasePath + " and proxy a live one to this base URL (like http://127.0.0.1:4010); unset: they answer 404", &c.upstream},
		{"upstream-timeout", "CRMAUTH_UPSTREAM_TIMEOUT", "gateway: how long the upstream may take to answer before 504 GATEWAY_TIMEOUT", &c.upstreamTimeout},
		{"forward-auth", "CRMAUTH_FORWARD_AUTH", "serve the forward auth check " + gateway.CheckPath + " (nginx auth_request, Traefik ForwardAuth)", &c.forwardAuth},
		{"redis-url", "CRMAUTH_REDIS_URL", "keep sessions, failure counts, the admin clock and the secret in this Redis, shared by every replica given the same URL: redis://host:port[/db], rediss:// (TLS), unix:///path.sock, Cluster redis://host:port?addr=host2:port&addr=... (or one address of a Cluster node), Sentinel redis://sentinel:26379?addr=sentinel2:26379&master_set=NAME (see docs/redis.md; default: in memory)", &c.redisURL},
		{"redis-cluster", "CRMAUTH_REDIS_CLUSTER", "refuse to start unless --redis-url is a Redis Cluster (a Cluster is found out by itself; this guards against a single node named by mistake)", &c.redisCluster},
		{"redis-prefix", "CRMAUTH_REDIS_PREFIX", "prefix of every Redis key the stub writes (replicas acting as one stub share it)", &c.redisPrefix},
		{"redis-timeout", "CRMAUTH_REDIS_TIMEOUT", "bound on each Redis operation (nothing is retried); past it requests get 503 with Retry-After", &c.redisTimeout},
		{"exit-on-stdin-close", "CRMAUTH_EXIT_ON_STDIN_CLOSE", stdinWatchUsage, &c.exitOnStdinClose},
	}
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		// The defaults New would take, written out so that -h shows them.
		opts: serverimpl.Options{
			LoginIdleTimeout:   serverimpl.DefaultLoginIdleTimeout,
			KeyTokenLifetime:   serverimpl.DefaultKeyTokenLifetime,
			LoginExpiry:        serverimpl.LoginExpiryIdle,
			LoginTokenLifetime: serverimpl.DefaultLoginTokenLifetime,
			Admin:              true,
			JournalSize:        journal.DefaultSize,
			MaxSessions:        serverimpl.DefaultMaxSessions,
			Throttle: serverimpl.ThrottleOptions{
				MaxFailures:          serverimpl.DefaultMaxFailures,
				MaxFailuresPerClient: serverimpl.DefaultMaxFailuresPerClient,
				Window:               serverimpl.DefaultFailureWindow,
			},
		},
		listen:          "localhost:8080",
		logFormat:       "text",
		logLevel:        "info",
		shutdownTimeout: 10 * time.Second,
		upstreamTimeout: gateway.DefaultResponseHeaderTimeout,
		forwardAuth:     true,
		redisPrefix:     redisstate.DefaultPrefix,
		redisTimeout:    redisstate.DefaultTimeout,
	}
}

// parseServeConfig reads the environment (through getenv), then the flags.
func parseServeConfig(args []string, getenv func(string) string, output io.Writer) (serveConfig, error) {
	c := defaultServeConfig()
	fs := flag.NewFlagSet("crmauth serve", flag.ContinueOnError)
	fs.SetOutput(output)
	for _, f := range serveFlags(&c) {
		if err := f.define(fs, getenv(f.env)); err != nil {
			return c, err
		}
	}
	// The admin token is a secret: its variable is read after parsing, so -h never prints it.
	fs.StringVar(&c.opts.AdminToken, "admin-token", "", "require Authorization: Bearer <this> on the administration routes [$CRMAUTH_ADMIN_TOKEN]")
	fs.Usage = func() {
		fmt.Fprintln(output, "Usage: crmauth serve [flags]")
		fmt.Fprintln(output)
		fmt.Fprintln(output, "Runs the CRM.COM authentication stub. Flags (and their environment variables):")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "admin-token" })
	if !given {
		c.opts.AdminToken = getenv("CRMAUTH_ADMIN_TOKEN")
	}
	return c, c.check()
}

// define defines the flag on fs, with env (its variable's value, when set) as its default.
func (f serveFlag) define(fs *flag.FlagSet, env string) error {
	usage := f.usage + " [$" + f.env + "]"
	switch v := f.value.(type) {
	case *string:
		if env != "" {
			*v = env
		}
		fs.StringVar(v, f.name, *v, usage)
	case *bool:
		if env != "" {
			b, err := strconv.ParseBool(env)
			if err != nil {
				return fmt.Errorf("$%s: %q is not a boolean (true or false)", f.env, env)
			}
			*v = b
		}
		fs.BoolVar(v, f.name, *v, usage)
	case *int:
		if env != "" {
			n, err := strconv.Atoi(env)
			if err != nil {
				return fmt.Errorf("$%s: %q is not a whole number", f.env, env)
			}
			*v = n
		}
		fs.IntVar(v, f.name, *v, usage)
	case *time.Duration:
		if env != "" {
			d, err := time.ParseDuration(env)
			if err != nil {
				return fmt.Errorf("$%s: %q is not a duration (like 90s, 15m, 2h)", f.env, env)
			}
			*v = d
		}
		fs.DurationVar(v, f.name, *v, usage)
	}
	return nil
}

// check refuses the values a flag cannot mean: a zero where Options would read "the default"
// (the flags show their defaults instead), and login-expiry's value named by its flag. What
// New checks of the rest (negative latency, negative lifetimes) New reports.
func (c serveConfig) check() error {
	o := c.opts
	switch {
	case o.JournalSize == 0 || o.JournalSize < -1:
		return errors.New("journal-size must be positive, or -1 for no journal")
	case o.LoginExpiry != serverimpl.LoginExpiryIdle && o.LoginExpiry != serverimpl.LoginExpiryFixed:
		return fmt.Errorf("login-expiry %q: use idle or fixed", o.LoginExpiry)
	case c.upstreamTimeout <= 0:
		return errors.New("upstream-timeout must be positive")
	case o.LoginIdleTimeout <= 0 || o.KeyTokenLifetime <= 0 || o.LoginTokenLifetime <= 0:
		return errors.New("token lifetimes must be positive")
	case o.MaxSessions == 0 || o.Throttle.MaxFailures == 0 || o.Throttle.MaxFailuresPerClient == 0:
		return errors.New("max-sessions, max-failures and max-failures-per-client must be positive, or -1 for no bound")
	case o.Throttle.Window <= 0:
		return errors.New("failure-window must be positive")
	case c.redisTimeout <= 0:
		return errors.New("redis-timeout must be positive")
	}
	return nil
}

func (c serveConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		// slog's text lines, with a direct path for the request line (internal/textlog).
		return slog.New(textlog.New(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", c.logFormat)
}

// options are the stub's Options: the flags' own, with the logger, the secret, the CORS
// origins and the gateway's extensions.
func (c serveConfig) options(logger *slog.Logger) (serverimpl.Options, error) {
	opts := c.opts
	opts.Logger = logger
	if c.secret != "" {
		opts.Secret = []byte(c.secret)
	}
	for _, o := range strings.Split(c.allowedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			opts.AllowedOrigins = append(opts.AllowedOrigins, o)
		}
	}
	if c.upstream != "" {
		u, err := url.Parse(c.upstream)
		if err != nil {
			return opts, fmt.Errorf("upstream %q: %w", c.upstream, err)
		}
		gw, err := gateway.New(gateway.Config{Upstream: u, ResponseHeaderTimeout: c.upstreamTimeout, Logger: logger})
		if err != nil {
			return opts, err
		}
		opts.Extensions = append(opts.Extensions, gw)
	}
	if c.forwardAuth {
		opts.Extensions = append(opts.Extensions, gateway.ForwardAuth{})
	}
	return opts, nil
}

// openRedis connects to --redis-url and makes opts keep the stub's state there.
func (c serveConfig) openRedis(ctx context.Context, logger *slog.Logger, opts *serverimpl.Options) (*redisstate.State, error) {
	st, err := redisstate.Open(ctx, redisstate.Config{URL: c.redisURL, Cluster: c.redisCluster,
		Prefix: c.redisPrefix, Timeout: c.redisTimeout, Logger: logger})
	if err != nil {
		return nil, err
	}
	if err := st.Configure(ctx, opts); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// runServe runs the stub until ctx ends (SIGINT, SIGTERM), then shuts down gracefully:
// no new connections, requests in flight finish.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseServeConfig(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "crmauth serve:", err)
		return 2
	}
	// The log, a line per request, goes out in batches: a write system call per line was most
	// of what the request log cost. Lines reach stderr within logDelay; every path out of here
	// writes the rest first.
	logOut := logbatch.New(stderr, logDelay)
	defer logOut.Close()
	logger, err := c.logger(logOut)
	if err != nil {
		fmt.Fprintln(stderr, "crmauth serve:", err)
		return 2
	}
	// What is written to stderr directly from here on goes out at once, after the log lines
	// logged before it.
	stderr = logOut.Unbatched()
	if c.exitOnStdinClose {
		ctx = untilStdinCloses(ctx, logger)
	}
	srv, closeState, ok := c.start(ctx, logger, stderr)
	if !ok {
		return 1
	}
	defer closeState() // after the server has stopped (deferred calls run last)
	consoleAt := ""
	if c.opts.Admin {
		consoleAt = "; console: " + srv.URL + console.Path + "/"
	}
	fmt.Fprintf(stdout, "crmauth stub: %s (CRM.COM methods under %s%s)\n", srv.URL, srv.BaseURL, consoleAt)
	return c.serve(ctx, srv, logger, stderr)
}

// start builds the options, keeps the state in Redis when asked, and listens; what fails is
// printed to stderr. closeState closes the Redis state, once the server has stopped.
func (c serveConfig) start(ctx context.Context, logger *slog.Logger, stderr io.Writer) (srv *serverimpl.Server, closeState func(), ok bool) {
	opts, err := c.options(logger)
	if err != nil {
		fmt.Fprintln(stderr, "crmauth serve: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return nil, nil, false
	}
	shared, closeState := "memory", func() {}
	if c.redisURL != "" {
		st, err := c.openRedis(ctx, logger, &opts)
		if err != nil {
			fmt.Fprintln(stderr, "crmauth serve: redis:", err)
			return nil, nil, false
		}
		shared, closeState = "redis "+redisstate.Describe(c.redisURL), func() { st.Close() }
	}
	if srv, err = serverimpl.Listen(c.listen, opts); err != nil {
		closeState()
		fmt.Fprintln(stderr, "crmauth serve: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return nil, nil, false
	}
	fixtures := "embedded defaults"
	if opts.FixturesFile != "" {
		fixtures = opts.FixturesFile
	}
	logger.Info("crmauth stub listening",
		"url", srv.URL, "base_url", srv.BaseURL, "fixtures", fixtures,
		"login_idle_timeout", opts.LoginIdleTimeout, "key_token_lifetime", opts.KeyTokenLifetime,
		"login_expiry", opts.LoginExpiry, "upstream", c.upstream, "forward_auth", c.forwardAuth, "state", shared,
		"admin", opts.Admin, "admin_token", opts.AdminToken != "", "admin_access", adminAccess(opts), "journal_size", opts.JournalSize)
	return srv, closeState, true
}

// serve waits for ctx to end or the server to fail, then shuts it down and writes the
// coverage report when asked.
func (c serveConfig) serve(ctx context.Context, srv *serverimpl.Server, logger *slog.Logger, stderr io.Writer) int {
	select {
	case <-ctx.Done():
	case err := <-waitChan(srv):
		if err != nil {
			logger.Error("serving failed", "error", err.Error())
			return 1
		}
		return 0
	}
	logger.Info("shutting down", "timeout", c.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Error("shutdown did not finish in time", "error", err.Error())
		srv.Close()
		return 1
	}
	logger.Info("stopped")
	if c.coverageReport != "" {
		if err := writeCoverageReport(srv.Stub, c.coverageReport, stderr); err != nil {
			logger.Error("coverage report", "error", err.Error())
			return 1
		}
	}
	return 0
}

// logDelay is how long a log line may wait to share a write with the lines after it.
const logDelay = 10 * time.Millisecond

func waitChan(srv *serverimpl.Server) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- srv.Wait() }()
	return ch
}
