package redisstate

import (
	"context"

	"github.com/crmcom-community/crmauth/serverimpl/clock"
	"github.com/crmcom-community/crmauth/serverimpl/config"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
)

// Configure makes o's stub keep its state here, shared with every stub configured on the same
// Redis and Prefix: sessions, the brake's failure counts, the admin clock's offset (when o
// has Admin and no Clock of its own), the signing secret (when o has none),
// the request journal (unless o has its own, or JournalSize < 0: none), the answer counters
// (unless o has its own) and /healthz's check. So the admin views describe every replica's
// requests, and a reset on one (sessions, failure counts, clock, journal, coverage) is a
// reset of all. Call it once per State, then serverimpl.New(o); Close the State after the
// stub has stopped.
func (s *State) Configure(ctx context.Context, o *config.Options) error {
	o.Sessions = s.Sessions()
	o.FailureCounts = func(c throttle.Config) throttle.Counter { return s.Failures(c) }
	if len(o.Secret) == 0 {
		secret, err := s.Secret(ctx)
		if err != nil {
			return err
		}
		o.Secret = secret
	}
	if o.Admin && o.Clock == nil {
		off, err := s.Offset(ctx)
		if err != nil {
			return err
		}
		o.Clock = clock.NewSharedOffset(off)
	}
	if o.Journal == nil && o.Coverage == nil && o.Recorder == nil && o.JournalSize >= 0 {
		j := s.Journal(o.JournalSize)
		o.Journal, o.Recorder = j, s.Recorder(j) // entry and count in one round trip
	}
	if o.Coverage == nil {
		o.Coverage = s.Coverage()
	}
	if o.Health == nil {
		o.Health = s.Health
	}
	return nil
}
