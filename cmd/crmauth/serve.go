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
	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/gateway"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
)

// serveConfig is what `crmauth serve` runs with. Every flag has an environment variable;
// a flag given on the command line wins over the variable, which wins over the default.
type serveConfig struct {
	listen           string
	fixtures         string
	secret           string
	loginIdleTimeout time.Duration
	keyTokenLifetime time.Duration
	numericDates     bool
	allowedOrigins   string
	latency          time.Duration
	admin            bool
	adminClock       bool
	adminToken       string // never printed: not a flag default, not logged
	journalSize      int
	coverageReport   string
	disableFaults    bool
	logFormat        string
	logLevel         string
	shutdownTimeout  time.Duration
	maxSessions      int
	maxFailures      int
	maxClientFails   int
	failureWindow    time.Duration
	disableThrottle  bool

	loginExpiry        string
	loginTokenLifetime time.Duration
	upstream           string
	upstreamTimeout    time.Duration
	forwardAuth        bool
	redisURL           string
	redisCluster       bool
	redisPrefix        string
	redisTimeout       time.Duration
}

// serveFlag ties a flag to its environment variable.
type serveFlag struct {
	name, env, usage string
	value            any // pointer to the serveConfig field
}

func serveFlags(c *serveConfig) []serveFlag {
	return []serveFlag{
		{"listen", "CRMAUTH_LISTEN", "address to listen on", &c.listen},
		{"fixtures", "CRMAUTH_FIXTURES", "YAML fixtures file (default: the embedded defaults)", &c.fixtures},
		{"secret", "CRMAUTH_SECRET", "HS256 signing secret (default: random per start; tokens then do not survive a restart)", &c.secret},
		{"login-idle-timeout", "CRMAUTH_LOGIN_IDLE_TIMEOUT", "idle time after which an authentication/token token expires", &c.loginIdleTimeout},
		{"login-expiry", "CRMAUTH_LOGIN_EXPIRY", "how authentication/token tokens end: idle (after login-idle-timeout unused, the seeds' rule) or fixed (login-token-lifetime after issue, used or not: CRM.COM R12 on)", &c.loginExpiry},
		{"login-token-lifetime", "CRMAUTH_LOGIN_TOKEN_LIFETIME", "lifetime of an authentication/token token with --login-expiry fixed", &c.loginTokenLifetime},
		{"key-token-lifetime", "CRMAUTH_KEY_TOKEN_LIFETIME", "lifetime of Web API key and consumer application key tokens", &c.keyTokenLifetime},
		{"numeric-dates", "CRMAUTH_NUMERIC_DATES", "write exp and iat as RFC 7519 numbers instead of CRM.COM's strings", &c.numericDates},
		{"allowed-origins", "CRMAUTH_ALLOWED_ORIGINS", "comma-separated CORS origins (default: any origin)", &c.allowedOrigins},
		{"latency", "CRMAUTH_LATENCY", "latency added to every CRM.COM method call", &c.latency},
		{"admin", "CRMAUTH_ADMIN", "serve the administration routes under /_crmauth/ (journal, sessions, reset, coverage, clock; described at " + serverimpl.AdminDocumentPath + ")", &c.admin},
		{"admin-clock", "CRMAUTH_ADMIN_CLOCK", "former name of -admin: false turns the administration routes off", &c.adminClock},
		{"journal-size", "CRMAUTH_JOURNAL_SIZE", "requests the journal keeps, the newest (-1: no journal)", &c.journalSize},
		{"coverage-report", "CRMAUTH_COVERAGE_REPORT", "at shutdown, write the coverage of the declared answers to this file as JSON and a short table to stderr", &c.coverageReport},
		{"disable-faults", "CRMAUTH_DISABLE_FAULTS", "ignore the " + serverimpl.FaultHeader + " and " + serverimpl.LatencyHeader + " request headers", &c.disableFaults},
		{"log-format", "CRMAUTH_LOG_FORMAT", "log format: text or json", &c.logFormat},
		{"log-level", "CRMAUTH_LOG_LEVEL", "log level: debug, info, warn or error", &c.logLevel},
		{"shutdown-timeout", "CRMAUTH_SHUTDOWN_TIMEOUT", "how long a shutdown waits for requests in flight", &c.shutdownTimeout},
		{"max-sessions", "CRMAUTH_MAX_SESSIONS", "live sessions at most; beyond, token requests get 503 (-1: no bound)", &c.maxSessions},
		{"max-failures", "CRMAUTH_MAX_FAILURES", "failed attempts per account (organisation and username, or key) in a failure window before 429 (-1: no limit)", &c.maxFailures},
		{"max-failures-per-client", "CRMAUTH_MAX_FAILURES_PER_CLIENT", "failed attempts per client address in a failure window before 429 (-1: no limit)", &c.maxClientFails},
		{"failure-window", "CRMAUTH_FAILURE_WINDOW", "how long failed attempts are counted, from the first", &c.failureWindow},
		{"disable-throttle", "CRMAUTH_DISABLE_THROTTLE", "never answer 429 to failed logins and keys", &c.disableThrottle},
		{"upstream", "CRMAUTH_UPSTREAM", "gateway: token-check every other request under " + serverimpl.BasePath + " and proxy a live one to this base URL (like http://127.0.0.1:4010); unset: they answer 404", &c.upstream},
		{"upstream-timeout", "CRMAUTH_UPSTREAM_TIMEOUT", "gateway: how long the upstream may take to answer before 504 GATEWAY_TIMEOUT", &c.upstreamTimeout},
		{"forward-auth", "CRMAUTH_FORWARD_AUTH", "serve the forward auth check " + gateway.CheckPath + " (nginx auth_request, Traefik ForwardAuth)", &c.forwardAuth},
		{"redis-url", "CRMAUTH_REDIS_URL", "keep sessions, failure counts, the admin clock and the secret in this Redis, shared by every replica given the same URL: redis://host:port[/db], rediss:// (TLS), unix:///path.sock, Cluster redis://host:port?addr=host2:port&addr=... (or one address of a Cluster node), Sentinel redis://sentinel:26379?addr=sentinel2:26379&master_set=NAME (see docs/redis.md; default: in memory)", &c.redisURL},
		{"redis-cluster", "CRMAUTH_REDIS_CLUSTER", "refuse to start unless --redis-url is a Redis Cluster (a Cluster is found out by itself; this guards against a single node named by mistake)", &c.redisCluster},
		{"redis-prefix", "CRMAUTH_REDIS_PREFIX", "prefix of every Redis key the stub writes (replicas acting as one stub share it)", &c.redisPrefix},
		{"redis-timeout", "CRMAUTH_REDIS_TIMEOUT", "bound on each Redis operation (nothing is retried); past it requests get 503 with Retry-After", &c.redisTimeout},
	}
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		listen:           "localhost:8080",
		loginIdleTimeout: serverimpl.DefaultLoginIdleTimeout,
		keyTokenLifetime: serverimpl.DefaultKeyTokenLifetime,
		admin:            true,
		adminClock:       true,
		journalSize:      journal.DefaultSize,
		logFormat:        "text",
		logLevel:         "info",
		shutdownTimeout:  10 * time.Second,
		maxSessions:      serverimpl.DefaultMaxSessions,
		maxFailures:      serverimpl.DefaultMaxFailures,
		maxClientFails:   serverimpl.DefaultMaxFailuresPerClient,
		failureWindow:    serverimpl.DefaultFailureWindow,

		loginExpiry:        string(serverimpl.LoginExpiryIdle),
		loginTokenLifetime: serverimpl.DefaultLoginTokenLifetime,
		upstreamTimeout:    gateway.DefaultResponseHeaderTimeout,
		forwardAuth:        true,
		redisPrefix:        redisstate.DefaultPrefix,
		redisTimeout:       redisstate.DefaultTimeout,
	}
}

// parseServeConfig reads the environment (through getenv), then the flags.
func parseServeConfig(args []string, getenv func(string) string, output io.Writer) (serveConfig, error) {
	c := defaultServeConfig()
	fs := flag.NewFlagSet("crmauth serve", flag.ContinueOnError)
	fs.SetOutput(output)
	for _, f := range serveFlags(&c) {
		env := getenv(f.env)
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
					return c, fmt.Errorf("$%s: %q is not a boolean (true or false)", f.env, env)
				}
				*v = b
			}
			fs.BoolVar(v, f.name, *v, usage)
		case *int:
			if env != "" {
				n, err := strconv.Atoi(env)
				if err != nil {
					return c, fmt.Errorf("$%s: %q is not a whole number", f.env, env)
				}
				*v = n
			}
			fs.IntVar(v, f.name, *v, usage)
		case *time.Duration:
			if env != "" {
				d, err := time.ParseDuration(env)
				if err != nil {
					return c, fmt.Errorf("$%s: %q is not a duration (like 90s, 15m, 2h)", f.env, env)
				}
				*v = d
			}
			fs.DurationVar(v, f.name, *v, usage)
		}
	}
	// The admin token is a secret: its variable is read after parsing, so -h never prints it.
	fs.StringVar(&c.adminToken, "admin-token", "", "require Authorization: Bearer <this> on the administration routes [$CRMAUTH_ADMIN_TOKEN]")
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
		c.adminToken = getenv("CRMAUTH_ADMIN_TOKEN")
	}
	if c.journalSize == 0 || c.journalSize < -1 {
		return c, errors.New("journal-size must be positive, or -1 for no journal")
	}
	if c.loginExpiry != string(serverimpl.LoginExpiryIdle) && c.loginExpiry != string(serverimpl.LoginExpiryFixed) {
		return c, fmt.Errorf("login-expiry %q: use idle or fixed", c.loginExpiry)
	}
	if c.upstreamTimeout <= 0 {
		return c, errors.New("upstream-timeout must be positive")
	}
	if c.loginIdleTimeout <= 0 || c.keyTokenLifetime <= 0 || c.loginTokenLifetime <= 0 {
		return c, errors.New("token lifetimes must be positive")
	}
	if c.latency < 0 {
		return c, errors.New("latency must not be negative")
	}
	if c.maxSessions == 0 || c.maxFailures == 0 || c.maxClientFails == 0 {
		return c, errors.New("max-sessions, max-failures and max-failures-per-client must be positive, or -1 for no bound")
	}
	if c.failureWindow <= 0 {
		return c, errors.New("failure-window must be positive")
	}
	if c.redisTimeout <= 0 {
		return c, errors.New("redis-timeout must be positive")
	}
	return c, nil
}

func (c serveConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", c.logFormat)
}

func (c serveConfig) options(logger *slog.Logger) (serverimpl.Options, error) {
	opts := serverimpl.Options{
		LoginIdleTimeout:   c.loginIdleTimeout,
		LoginExpiry:        serverimpl.LoginExpiry(c.loginExpiry),
		LoginTokenLifetime: c.loginTokenLifetime,
		KeyTokenLifetime:   c.keyTokenLifetime,
		NumericDates:       c.numericDates,
		Logger:             logger,
		Latency:            c.latency,
		Admin:              c.admin && c.adminClock,
		AdminToken:         c.adminToken,
		JournalSize:        c.journalSize,
		FixturesFile:       c.fixtures, // read again by POST /_crmauth/reset
		DisableFaults:      c.disableFaults,
		MaxSessions:        c.maxSessions,
		Throttle: serverimpl.ThrottleOptions{
			MaxFailures:          c.maxFailures,
			MaxFailuresPerClient: c.maxClientFails,
			Window:               c.failureWindow,
			Disabled:             c.disableThrottle,
		},
	}
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
	opts, err := c.options(logger)
	if err != nil {
		fmt.Fprintln(stderr, "crmauth serve: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 1
	}
	shared := "memory"
	if c.redisURL != "" {
		st, err := c.openRedis(ctx, logger, &opts)
		if err != nil {
			fmt.Fprintln(stderr, "crmauth serve: redis:", err)
			return 1
		}
		defer st.Close() // after the server has stopped (deferred calls run last)
		shared = "redis " + redisstate.Describe(c.redisURL)
	}
	srv, err := serverimpl.Listen(c.listen, opts)
	if err != nil {
		fmt.Fprintln(stderr, "crmauth serve: "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 1
	}
	fixtures := "embedded defaults"
	if c.fixtures != "" {
		fixtures = c.fixtures
	}
	logger.Info("crmauth stub listening",
		"url", srv.URL, "base_url", srv.BaseURL, "fixtures", fixtures,
		"login_idle_timeout", c.loginIdleTimeout, "key_token_lifetime", c.keyTokenLifetime,
		"login_expiry", c.loginExpiry, "upstream", c.upstream, "forward_auth", c.forwardAuth, "state", shared,
		"admin", opts.Admin, "admin_token", c.adminToken != "", "journal_size", c.journalSize)
	fmt.Fprintf(stdout, "crmauth stub: %s (CRM.COM methods under %s)\n", srv.URL, srv.BaseURL)

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
