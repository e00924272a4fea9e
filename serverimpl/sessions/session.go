package sessions

import "time"

// Method is the CRM.COM method that issued a session.
type Method uint8

const (
	MethodUnknown                Method = iota
	MethodLogin                         // authentication/token
	MethodWebAPIKey                     // authentication/web_api_key/token
	MethodConsumerApplicationKey        // authentication/consumer_application_key/token
)

// String is the method's path under CRM.COM's base path, as the spec names it.
func (m Method) String() string {
	switch m {
	case MethodLogin:
		return "authentication/token"
	case MethodWebAPIKey:
		return "authentication/web_api_key/token"
	case MethodConsumerApplicationKey:
		return "authentication/consumer_application_key/token"
	}
	return "unknown"
}

// ParseMethod is String's inverse.
func ParseMethod(s string) (Method, bool) {
	for m := MethodLogin; m <= MethodConsumerApplicationKey; m++ {
		if m.String() == s {
			return m, true
		}
	}
	return MethodUnknown, false
}

// Holder is who a session's token speaks for: its usr, org, oun claims, and for a consumer
// token cii and ari. The stub shares one Holder among all sessions of the same holder, so a
// session costs a pointer for it, not five strings.
type Holder struct {
	Username           string
	Organisation       string
	Unit               string
	Contact            string // consumer tokens only
	AccountsReceivable string // consumer tokens only
}

// State is what a session is at some instant.
type State uint8

const (
	StateUnknown  State = iota // never issued here, or forgotten after it ended
	StateLive                  // issued, not expired, not ended
	StateExpired               // its deadline passed, or the server ended it as expired
	StateReleased              // released (authentication/token/release, or the server)
)

func (s State) String() string {
	switch s {
	case StateLive:
		return "live"
	case StateExpired:
		return "expired"
	case StateReleased:
		return "released"
	}
	return "unknown"
}

// Session is what the stub remembers about an issued token. Instants are Unix nanoseconds by
// the stub's clock (8 bytes each instead of time.Time's 24: a store holds up to a million).
type Session struct {
	Method Method
	// Ended is StateLive until the session is ended before its deadline: StateReleased by a
	// release, StateExpired by the server (an admin ending it as if its time had run out). An
	// ended session is kept until its deadline, so that using it again says how it ended.
	Ended State
	// EndedAt is when the session was ended (Unix nanoseconds), for a refusal's reason; 0 when
	// it was not, or when the store does not keep it (it is no part of the Store contract).
	EndedAt  int64
	Holder   *Holder
	IssuedAt int64
	LastUse  int64 // IssuedAt until first used
	// Deadline is when the session ends: unless used again, when Idle > 0 (a login token's
	// idle time); at all, when Idle == 0 (a key token's, or a login token's fixed lifetime).
	Deadline int64
	// Idle, when positive, is how far every use moves Deadline past the time of use.
	Idle time.Duration
}

// StateAt is the session's state at t (Unix nanoseconds).
func (s *Session) StateAt(t int64) State {
	switch {
	case t >= s.Deadline:
		return StateExpired
	case s.Ended != StateLive && s.Ended != StateUnknown:
		return s.Ended
	}
	return StateLive
}

// Time turns one of a Session's instants into a time.Time.
func Time(unixNano int64) time.Time { return time.Unix(0, unixNano) }
