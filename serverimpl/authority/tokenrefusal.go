package authority

import (
	"context"
	"fmt"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// sessionFailure is the answer for a token whose session is not live (state), with its reason.
// A session the store no longer knows is judged by the token's own exp claim: sessions are
// forgotten some time after they end, and a token from before a restart is simply unknown.
//
// It runs on refusals only, and asks the store once more for the session (when it still holds
// it: when and how it ended, its last use), for the reason's details.
func (a *Authority) sessionFailure(ctx context.Context, state sessions.State, c *claims, id sessions.ID, now time.Time) *Failure {
	s, st, err := a.sessions.Get(ctx, id, now)
	held := err == nil && st != sessions.StateUnknown
	of := fmt.Sprintf("session %s of %s", c.ID, holderName(c.Username, c.Organisation))
	switch {
	case state == sessions.StateReleased:
		f := Fail(CodeInvalidToken, "token has been released")
		if held && s.EndedAt != 0 {
			f.Message += " at " + clockTime(sessions.Time(s.EndedAt))
		}
		return f.because("%s (%s)", f.Message, of)
	case state == sessions.StateExpired && held:
		f := Fail(CodeTokenExpired, expiredBecause(s, now))
		return f.because("%s (%s)", f.Message, of)
	case (state == sessions.StateExpired || !now.Before(c.ExpiresAt.time())) && a.idleLoginToken(c):
		// Its session is forgotten, which happens only once its deadline has passed: it went
		// unused for at least its idle time.
		limit := span(a.loginIdle)
		if a.loginIdle%time.Minute == 0 {
			limit = fmt.Sprint(int64(a.loginIdle / time.Minute))
		}
		f := Fail(CodeTokenExpired, fmt.Sprintf("token expired: unused for %s or more, the limit is %s", minutesOrSpan(a.loginIdle), limit))
		return f.because("%s (%s, no longer held by the session store)", f.Message, of)
	case state == sessions.StateExpired || !now.Before(c.ExpiresAt.time()):
		f := Fail(CodeTokenExpired, "token expired: its exp claim, "+clockTime(c.ExpiresAt.time())+", has passed")
		return f.because("%s (%s, no longer held by the session store)", f.Message, of)
	}
	f := Fail(CodeInvalidToken, "token is unknown to this server")
	return f.because("%s: it is signed with this stub's secret, but no %s issued at %s is held (was the stub restarted or reset since?)",
		f.Message, of, clockTime(c.IssuedAt.time()))
}

// expiredBecause says why a session the store still holds has expired: its idle time or its
// lifetime ran out, or the server ended it as expired (the admin API).
func expiredBecause(s sessions.Session, now time.Time) string {
	t := now.UnixNano()
	switch {
	case s.Ended == sessions.StateExpired && (t < s.Deadline || s.EndedAt != 0 && s.EndedAt < s.Deadline):
		if s.EndedAt == 0 {
			return "token expired: ended as expired by the server (admin API)"
		}
		return "token expired: ended as expired by the server (admin API) at " + clockTime(sessions.Time(s.EndedAt))
	case s.Idle > 0 && s.Idle%time.Minute == 0:
		return fmt.Sprintf("token expired: unused for %s, the limit is %d", minutesOrSpan(time.Duration(t-s.LastUse)), s.Idle/time.Minute)
	case s.Idle > 0:
		return fmt.Sprintf("token expired: unused for %s, the limit is %s", span(time.Duration(t-s.LastUse)), span(s.Idle))
	}
	return fmt.Sprintf("token expired: its lifetime of %s from %s ended at %s", span(time.Duration(s.Deadline-s.IssuedAt)),
		clockTime(sessions.Time(s.IssuedAt)), clockTime(sessions.Time(s.Deadline)))
}

// idleLoginToken reports whether c's token can only be a login token with an idle lifetime:
// its lifetime from issue is the login idle time, which no other token has.
func (a *Authority) idleLoginToken(c *claims) bool {
	life := time.Duration(c.ExpiresAt.unix-c.IssuedAt.unix) * time.Second
	return a.loginFixed == 0 && c.Contact == "" && life == a.loginIdle && life != a.keyLifetime
}

// minutesOrSpan is a duration in whole minutes ("61 minutes"), as idle times are counted, or
// as span says it when shorter than a minute.
func minutesOrSpan(d time.Duration) string {
	if d < time.Minute {
		return span(d)
	}
	return plural(int(d/time.Minute), "minute")
}
