package redisstate

import (
	"context"
	"crypto/rand"
)

// Secret is the signing secret every replica shares when none is configured: the first to
// ask creates a random one atomically (SET NX GET), the others get that one. It lives in Redis
// as long as the data does (with persistence, tokens survive a restart of everything). It is
// never logged.
func (s *State) Secret(ctx context.Context) ([]byte, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := s.b.setNXGet(ctx, s.prefix+"secret", []byte(rand.Text()+rand.Text()))
	if err := s.observe(err); err != nil {
		return nil, err
	}
	return v, nil
}
