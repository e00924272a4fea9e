package serverimpl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// The stub-only admin routes, outside CRM.COM's base path, mounted with Options.AdminClock.
const (
	// AdminClockPath answers GET with the stub's time.
	AdminClockPath = "/_crmauth/clock"
	// AdminClockAdvancePath moves the stub's clock forward: POST {"seconds": 3601}. A browser
	// test makes tokens expire this way instead of waiting.
	AdminClockAdvancePath = "/_crmauth/clock/advance"
)

// clockData is the admin routes' data member.
type clockData struct {
	Now  string `json:"now"`  // RFC 3339
	Unix int64  `json:"unix"` // seconds
}

type advanceRequest struct {
	Seconds *float64 `json:"seconds"`
}

func (s *Stub) mountAdminClock(e *echo.Echo, clock advancer) {
	answer := func(c echo.Context) error {
		now := clock.Now()
		writeJSON(c.Response(), http.StatusOK, map[string]any{
			"data":   clockData{Now: now.UTC().Format(time.RFC3339Nano), Unix: now.Unix()},
			"status": okStatus(),
		})
		return nil
	}
	e.GET(AdminClockPath, answer)
	e.POST(AdminClockAdvancePath, func(c echo.Context) error {
		var req advanceRequest
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, 4096))
		if err != nil {
			return fail(gen.ErrorCodeInvalidRequest, "request body could not be read")
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Seconds == nil {
			return fail(gen.ErrorCodeInvalidRequest, `request body: give {"seconds": N}, N >= 0`)
		}
		secs := *req.Seconds
		if secs < 0 || math.IsNaN(secs) || secs > 10*365*24*3600 {
			return fail(gen.ErrorCodeInvalidRequest, fmt.Sprintf("seconds: the clock only moves forward, by at most ten years; got %g", secs))
		}
		d := time.Duration(secs * float64(time.Second))
		if shared, ok := clock.(interface {
			AdvanceContext(context.Context, time.Duration) error
		}); ok {
			if err := shared.AdvanceContext(c.Request().Context(), d); err != nil {
				return storeFailure(err) // a shared offset that could not be changed: 503
			}
		} else {
			clock.Advance(d)
		}
		s.logger.Info("admin: clock advanced", "seconds", secs)
		return answer(c)
	})
}
