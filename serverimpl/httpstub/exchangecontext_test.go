package httpstub

import (
	"context"
	"testing"
)

// TestExchangeContextIsAContextWithValue: the request log's one-allocation context behaves as
// context.WithValue(parent, exchangeKey{}, x) does: the exchange is found (and is the same one
// each time), the parent's values and cancellation still reach the request.
func TestExchangeContextIsAContextWithValue(t *testing.T) {
	type otherKey struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "parent's"))
	xc := &exchangeContext{Context: parent}
	var ctx context.Context = xc

	x := exchangeFrom(ctx)
	if x != &xc.x || exchangeFrom(ctx) != x {
		t.Fatal("exchangeFrom does not return the context's own exchange")
	}
	x.key = "k"
	if exchangeFrom(ctx).key != "k" {
		t.Error("a value written to the exchange is not seen through the context")
	}
	if got := ctx.Value(otherKey{}); got != "parent's" {
		t.Errorf("the parent's value is %v", got)
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	<-child.Done() // a cancelled parent ends the request's contexts
	if ctx.Err() != context.Canceled {
		t.Errorf("Err() = %v", ctx.Err())
	}
	if exchangeFrom(context.Background()) == x {
		t.Error("a context without an exchange shares the request's")
	}
}
