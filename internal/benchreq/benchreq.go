// Package benchreq holds the requests and the response writer the stub's benchmarks send and
// answer into without allocating, shared by the whole stack's benchmark (package serverimpl)
// and the validation's (package httpstub).
package benchreq

import (
	"bytes"
	"net/http"
)

// VendorBasicAuth is the Basic credentials of the vendor's documented example key.
const VendorBasicAuth = "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"

// Request is one request sent over and over without allocating: its body is rewound before
// each send.
type Request struct {
	r    *http.Request
	body []byte
	rd   bytes.Reader
}

// New is a POST of body as JSON to path, with authorization when not "".
func New(path, authorization string, body string) *Request {
	r, _ := http.NewRequest(http.MethodPost, path, nil)
	r.RemoteAddr = "192.0.2.1:1234" // as a server sets it (without a port, each read of it allocates an error)
	r.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return &Request{r: r, body: []byte(body)}
}

// Next rewinds the body and returns the request to send.
func (b *Request) Next() *http.Request {
	b.rd.Reset(b.body)
	b.r.Body, b.r.ContentLength, b.r.GetBody = readCloser{&b.rd}, int64(len(b.body)), nil
	return b.r
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// Writer is a ResponseWriter that keeps the status and drops the body.
type Writer struct {
	header http.Header
	Status int
}

// NewWriter is a Writer with an empty header.
func NewWriter() *Writer { return &Writer{header: http.Header{}} }

func (w *Writer) Header() http.Header         { return w.header }
func (w *Writer) Write(p []byte) (int, error) { return len(p), nil }
func (w *Writer) WriteHeader(status int)      { w.Status = status }

// Reset makes the writer new again, for the next request.
func (w *Writer) Reset() *Writer {
	clear(w.header)
	w.Status = http.StatusOK
	return w
}
