package coverage

import (
	"context"
	"maps"
	"sync"
)

// Memory is a Store in this process: a map under one lock. Add allocates only the first time
// a key is counted.
type Memory struct {
	mu     sync.Mutex
	counts map[Key]int64
}

var _ Store = (*Memory)(nil)

// NewMemory returns a Store with every count zero.
func NewMemory() *Memory { return &Memory{counts: map[Key]int64{}} }

func (m *Memory) Add(_ context.Context, operation string, status int, code string) error {
	m.mu.Lock()
	m.counts[Key{operation, status, code}]++
	m.mu.Unlock()
	return nil
}

func (m *Memory) Snapshot(context.Context) (map[Key]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts), nil
}

func (m *Memory) Clear(context.Context) error {
	m.mu.Lock()
	clear(m.counts)
	m.mu.Unlock()
	return nil
}
