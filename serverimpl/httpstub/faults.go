package httpstub

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// The fault-injection headers, for frontend teams who need to see their error handling work.
const (
	// FaultHeader forces an error answer: an HTTP status the operation declares ("503") or a
	// status.code ("TOKEN_EXPIRED"). The answer is in the envelope, with Retry-After and
	// WWW-Authenticate where the spec declares them.
	FaultHeader = "X-Crmauth-Fault"
	// RetryAfterHeader sets the Retry-After seconds of an injected 429 or 503 (default 1).
	RetryAfterHeader = "X-Crmauth-Retry-After"
	// LatencyHeader delays this request: a Go duration ("1.5s", "250ms") or milliseconds
	// ("250"). It adds to Options.Latency.
	LatencyHeader = "X-Crmauth-Latency"
)

// MaxInjectedLatency bounds LatencyHeader so a typo cannot hang a test run.
const MaxInjectedLatency = time.Minute

// unauthorizedCodes are the 401 codes each operation can answer; a numeric 401 fault uses the
// first.
var unauthorizedCodes = map[string][]gen.ErrorCode{
	"Login":                          {gen.ErrorCodeInvalidCredentials},
	"ReleaseToken":                   {gen.ErrorCodeInvalidToken, gen.ErrorCodeTokenExpired},
	"GetWebApiKeyToken":              {gen.ErrorCodeInvalidKey},
	"GetConsumerApplicationKeyToken": {gen.ErrorCodeInvalidKey, gen.ErrorCodeInvalidAccessTokenIdentifier},
}

// declaredStatuses lists, per operationId, the error statuses the spec declares.
func declaredStatuses(spec *openapi3.T) map[string][]int {
	out := map[string][]int{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			var statuses []int
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil && n >= 400 {
					statuses = append(statuses, n)
				}
			}
			slices.Sort(statuses)
			out[op.OperationID] = statuses
		}
	}
	return out
}

// faults applies the added latency (global and per request) and the forced error of one
// operation. It runs before body rules, authentication and validation: a forced error is
// answered whatever the request holds.
func (s *Stack) faults(operation string) echo.MiddlewareFunc {
	declared := s.declared[operation]
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			delay := s.opts.Latency
			if !s.opts.DisableFaults {
				if v := r.Header.Get(LatencyHeader); v != "" {
					d, err := parseLatency(v)
					if err != nil {
						return fail(gen.ErrorCodeInvalidRequest, LatencyHeader+": "+err.Error())
					}
					delay += d
				}
			}
			if err := sleep(r.Context(), delay); err != nil {
				return nil // the client has gone; nobody is waiting for an answer
			}
			if s.opts.DisableFaults {
				return next(c)
			}
			if v := r.Header.Get(FaultHeader); v != "" {
				f := injectedFault(operation, declared, v, r.Header.Get(RetryAfterHeader))
				if f.Message == injectedMessage {
					exchangeFrom(r.Context()).fault = codeOf(f) // for the journal
				}
				return f
			}
			return next(c)
		}
	}
}

// injectedFault builds the forced answer, or says why the header is not usable.
func injectedFault(operation string, declared []int, value, retryAfter string) *failure {
	value = strings.TrimSpace(value)
	var code gen.ErrorCode
	status, err := strconv.Atoi(value)
	if err == nil {
		code = faultCode(operation, status)
	} else {
		code = gen.ErrorCode(strings.ToUpper(value))
		status = httpStatus[code]
		if status == http401 && !slices.Contains(unauthorizedCodes[operation], code) {
			status = 0
		}
	}
	if code == "" || status == 0 || !slices.Contains(declared, status) {
		return fail(gen.ErrorCodeInvalidRequest, fmt.Sprintf("%s: %s is not an error %s declares (it declares %s, or their codes)",
			FaultHeader, sanitize(value), operation, joinInts(declared)))
	}
	f := fail(code, injectedMessage)
	f.Reason = "fault injected by " + FaultHeader + ": " + sanitize(value)
	if code == gen.ErrorCodeTooManyRequests || code == gen.ErrorCodeServiceUnavailable {
		f.RetryAfter = time.Second
		if retryAfter != "" {
			n, err := strconv.Atoi(strings.TrimSpace(retryAfter))
			if err != nil || n < 1 || n > 86400 {
				return fail(gen.ErrorCodeInvalidRequest, RetryAfterHeader+": give whole seconds from 1 to 86400")
			}
			f.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return f
}

const http401 = 401

const injectedMessage = "injected by " + FaultHeader

// faultCode is the status.code a numeric fault answers with.
func faultCode(operation string, status int) gen.ErrorCode {
	if status == http401 {
		return unauthorizedCodes[operation][0]
	}
	for code, s := range httpStatus {
		if s == status {
			return code
		}
	}
	return ""
}

func parseLatency(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	d, err := time.ParseDuration(v)
	if err != nil {
		ms, err2 := strconv.Atoi(v)
		if err2 != nil {
			return 0, fmt.Errorf("give a duration such as 250ms or 1.5s, or milliseconds")
		}
		d = time.Duration(ms) * time.Millisecond
	}
	if d < 0 || d > MaxInjectedLatency {
		return 0, fmt.Errorf("give a latency from 0 to %s", MaxInjectedLatency)
	}
	return d, nil
}

// sleep waits d, or until ctx ends. Latency is real time on purpose: it simulates the
// network, not the passing of token lifetimes.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
