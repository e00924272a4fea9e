package logbatch_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crmcom-community/crmauth/internal/logbatch"
)

// sink records each Write it gets, as a file would, and can be made to fail.
type sink struct {
	mu     sync.Mutex
	writes []string
	fail   error
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return 0, s.fail
	}
	s.writes = append(s.writes, string(p))
	return len(p), nil
}

func (s *sink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

// Lines written within the delay go out together, in one write, once the delay has passed
// after the first; a line written when idle goes out alone, the delay after it.
func TestLinesGoOutInOneWriteAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &sink{}
		w := logbatch.New(out, 10*time.Millisecond)
		defer w.Close()
		for i := range 3 {
			fmt.Fprintf(w, "line %d\n", i)
		}
		synctest.Wait()
		if got := out.got(); len(got) != 0 {
			t.Fatalf("written before the delay: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if got := out.got(); len(got) != 1 || got[0] != "line 0\nline 1\nline 2\n" {
			t.Fatalf("writes %q, want the three lines in one", got)
		}
		time.Sleep(time.Second) // idle
		fmt.Fprintln(w, "later")
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if got := out.got(); len(got) != 2 || got[1] != "later\n" {
			t.Fatalf("writes %q, want the idle line alone after the delay", got)
		}
	})
}

// More than MaxBuffered waiting: the writer that crosses it writes the batch itself, without
// waiting for the delay.
func TestAFullBufferIsWrittenAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &sink{}
		w := logbatch.New(out, time.Hour)
		defer w.Close()
		line := strings.Repeat("x", 1023) + "\n"
		n := logbatch.MaxBuffered/len(line) + 1
		for range n {
			w.Write([]byte(line))
		}
		if got := out.got(); len(got) != 1 || len(got[0]) != logbatch.MaxBuffered {
			t.Fatalf("%d writes, want one of %d bytes before the delay", len(got), logbatch.MaxBuffered)
		}
	})
}

// Close writes what waits; a write after it goes straight through.
func TestCloseWritesTheRest(t *testing.T) {
	out := &sink{}
	w := logbatch.New(out, time.Hour)
	fmt.Fprintln(w, "one")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.got(); len(got) != 1 || got[0] != "one\n" {
		t.Fatalf("after Close: %q", got)
	}
	fmt.Fprintln(w, "two")
	if got := out.got(); len(got) != 2 || got[1] != "two\n" {
		t.Fatalf("after a write past Close: %q", got)
	}
}

// Many goroutines writing at once: every line arrives, whole, and each goroutine's in order.
func TestConcurrentLinesAllArriveInOrder(t *testing.T) {
	var out bytes.Buffer
	w := logbatch.New(&lockedBuffer{b: &out}, time.Millisecond)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "g%d %d\n", g, i)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%d %d", &g, &i); err != nil {
			t.Fatalf("torn line %q: %v", l, err)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Errorf("goroutine %d: %d lines arrived, want %d", g, n, lines)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// A failed write is not lost silently: the next Write and Close return it.
func TestAWriteErrorIsReturned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken := errors.New("disk full")
		out := &sink{fail: broken}
		w := logbatch.New(out, time.Millisecond)
		fmt.Fprintln(w, "lost")
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if _, err := fmt.Fprintln(w, "next"); !errors.Is(err, broken) {
			t.Errorf("Write after a failed batch: %v, want %v", err, broken)
		}
		if err := w.Close(); !errors.Is(err, broken) {
			t.Errorf("Close: %v, want %v", err, broken)
		}
	})
}

// An unbatched write goes out at once, after the lines waiting before it.
func TestUnbatchedWritesGoAfterWaitingLines(t *testing.T) {
	out := &sink{}
	w := logbatch.New(out, time.Hour)
	defer w.Close()
	fmt.Fprintln(w, "logged")
	fmt.Fprintln(w.Unbatched(), "fatal")
	if got := out.got(); len(got) != 2 || got[0] != "logged\n" || got[1] != "fatal\n" {
		t.Fatalf("writes %q, want the waiting line, then the unbatched one", got)
	}
}
