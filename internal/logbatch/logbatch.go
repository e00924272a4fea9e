// Package logbatch writes log lines to a file in batches: a Write copies the line into a
// buffer and returns, and a goroutine writes what has gathered a short delay after the first
// line of a batch came, in one system call. Under load hundreds of lines share a write; an
// idle server's line still reaches the file within the delay.
//
// `crmauth serve` writes its request log, a line per request, through it: written straight to
// stderr each line cost a write system call, which was most of what the log cost a request.
// Every line is kept, in order; none is dropped. A writer that falls behind (a blocked pipe)
// makes Write wait once MaxBuffered bytes are pending, rather than grow without bound.
//
// zap's zapcore.BufferedWriteSyncer does the same with a ticker, but would add go.uber.org/zap
// to the binary for these few lines, and wakes every interval even when idle.
package logbatch

import (
	"io"
	"sync"
	"time"
)

// MaxBuffered is how many bytes may wait for the background write before a Write writes them
// itself.
const MaxBuffered = 256 << 10

// Writer batches writes to an io.Writer. It is safe for concurrent use.
type Writer struct {
	out   io.Writer
	delay time.Duration

	mu      sync.Mutex
	pending []byte
	err     error // the first failed write, returned by every later call
	closed  bool

	outMu sync.Mutex // held while writing to out: batches go out in order
	spare []byte

	wake     chan struct{} // a batch has started
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// New starts a Writer to out that writes each batch delay after its first line. Close it to
// write what is left and stop its goroutine.
func New(out io.Writer, delay time.Duration) *Writer {
	w := &Writer{out: out, delay: delay, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// Write keeps a copy of p for the next batch. It writes the batch itself when MaxBuffered
// bytes are waiting, and after Close it writes p straight through.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return 0, err
	}
	if w.closed {
		w.mu.Unlock()
		w.outMu.Lock()
		defer w.outMu.Unlock()
		return w.out.Write(p)
	}
	first := len(w.pending) == 0
	w.pending = append(w.pending, p...)
	full := len(w.pending) >= MaxBuffered
	w.mu.Unlock()
	if full {
		if err := w.Flush(); err != nil {
			return 0, err
		}
	} else if first {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// Unbatched is an io.Writer to the same place whose writes go out at once, after what waits:
// for messages that must not wait (a fatal error), in order with the log lines before them.
func (w *Writer) Unbatched() io.Writer { return unbatched{w} }

type unbatched struct{ w *Writer }

func (u unbatched) Write(p []byte) (int, error) {
	u.w.outMu.Lock()
	defer u.w.outMu.Unlock()
	if err := u.w.flushLocked(); err != nil {
		return 0, err
	}
	return u.w.out.Write(p)
}

// Flush writes what is waiting now.
func (w *Writer) Flush() error {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	return w.flushLocked()
}

// flushLocked is Flush with outMu held.
func (w *Writer) flushLocked() error {
	w.mu.Lock()
	batch := w.pending
	w.pending = w.spare[:0]
	err := w.err
	w.mu.Unlock()
	if err == nil && len(batch) > 0 {
		_, err = w.out.Write(batch)
	}
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.spare = batch[:0]
	if cap(w.spare) > MaxBuffered*2 {
		w.spare = nil // a burst's buffer is not kept for ever
	}
	w.mu.Unlock()
	return err
}

// Close writes what is waiting and stops the background goroutine; later writes go straight
// to the underlying writer. It returns the first write error, if any.
func (w *Writer) Close() error {
	w.stopOnce.Do(func() { close(w.stop); <-w.done })
	// Holding outMu until the rest is written keeps a write-through after Close behind it.
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.mu.Lock()
	w.closed = true
	batch, err := w.pending, w.err
	w.pending = nil
	w.mu.Unlock()
	if err == nil && len(batch) > 0 {
		if _, err = w.out.Write(batch); err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
	return err
}

func (w *Writer) loop() {
	defer close(w.done)
	timer := time.NewTimer(w.delay)
	timer.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		timer.Reset(w.delay)
		select {
		case <-w.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		_ = w.Flush() // the error is kept and returned by the next Write
	}
}
