package clientimpl

import (
	"context"
	"net/http"
	"time"
)

// The operations, in the spec's words; they name the method in errors.
const (
	opLogin    = "authentication/token"
	opRelease  = "authentication/token/release"
	opWebAPI   = "authentication/web_api_key/token"
	opConsumer = "authentication/consumer_application_key/token"
)

// sendFunc sends one request with ctx through the generated client.
type sendFunc func(ctx context.Context) (*http.Response, error)

// judgeFunc decides what an answer means. afterNoAnswer is true when an earlier attempt of
// the same call got no answer: the server may have acted on it.
type judgeFunc func(a answer, afterNoAnswer bool) error

// call makes one call: attempts bounded by the retry policy, each bounded by the timeout,
// retrying only what RetryPolicy calls transient, and never after ctx ends.
func (c *Client) call(ctx context.Context, op string, send sendFunc, judge judgeFunc) error {
	p := c.retry.withDefaults()
	noAnswer := false
	for n := 1; ; n++ {
		err := c.attempt(ctx, op, send, judge, noAnswer)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if _, ok := err.(*TransportError); ok {
			noAnswer = true
		}
		d, ok := p.delay(n, err)
		if !ok || p.Sleep(ctx, d) != nil {
			return err
		}
	}
}

func (c *Client) attempt(ctx context.Context, op string, send sendFunc, judge judgeFunc, afterNoAnswer bool) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	resp, err := send(ctx)
	if err != nil {
		return &TransportError{Operation: op, Err: err}
	}
	a, err := readAnswer(op, resp, time.Now())
	if err != nil {
		return err
	}
	return judge(a, afterNoAnswer)
}
