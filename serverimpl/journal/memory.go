package journal

import (
	"context"
	"sync"
)

// Memory is a Store in this process: a ring of entries under one lock. Append copies the entry
// into the ring and allocates nothing once the ring is full.
type Memory struct {
	mu      sync.Mutex
	size    int
	entries []Entry // grows to size, then next wraps around it
	next    int     // where the next entry goes once the ring is full
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty journal keeping the newest size entries (DefaultSize when
// size <= 0).
func NewMemory(size int) *Memory {
	if size <= 0 {
		size = DefaultSize
	}
	return &Memory{size: size}
}

// Size is how many entries the journal keeps.
func (m *Memory) Size() int { return m.size }

func (m *Memory) Append(_ context.Context, e Entry) error {
	m.mu.Lock()
	if len(m.entries) < m.size {
		m.entries = append(m.entries, e)
	} else {
		m.entries[m.next] = e
		m.next = (m.next + 1) % m.size
	}
	m.mu.Unlock()
	return nil
}

// newestFirst calls fn for each entry from the newest to the oldest until fn returns false.
// The caller holds the lock.
func (m *Memory) newestFirst(fn func(*Entry) bool) {
	n := len(m.entries)
	for i := 0; i < n; i++ {
		// The newest is just before next (next is 0 until the ring is full).
		j := (m.next - 1 - i + 2*n) % n
		if !fn(&m.entries[j]) {
			return
		}
	}
}

func (m *Memory) List(_ context.Context, f Filter) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Entry{}
	m.newestFirst(func(e *Entry) bool {
		if f.Match(e) {
			out = append(out, *e)
		}
		return f.Limit <= 0 || len(out) < f.Limit
	})
	return out, nil
}

func (m *Memory) Count(_ context.Context, f Filter) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for i := range m.entries {
		if f.Match(&m.entries[i]) {
			n++
		}
	}
	return n, nil
}

func (m *Memory) Clear(context.Context) error {
	m.mu.Lock()
	clear(m.entries) // drop the holders' pointers too
	m.entries, m.next = m.entries[:0], 0
	m.mu.Unlock()
	return nil
}
