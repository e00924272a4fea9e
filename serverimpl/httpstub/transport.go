package httpstub

import (
	"net/http"
	"net/http/httptest"
)

// Transport returns an http.RoundTripper that serves each request with the stub itself, in
// the calling goroutine: no listener, no connection, no goroutine of its own. It is how a
// client reaches the stub where no network can be used, above all inside a testing/synctest
// bubble (fake time: an hour passes in an instant), where Start's real listener cannot work:
//
//	stub, _ := serverimpl.New(serverimpl.Options{})
//	hc := &http.Client{Transport: stub.Transport()}
//	client, _ := clientimpl.New("http://stub.invalid", clientimpl.WithHTTPClient(hc))
//
// The request's host is not looked up, so any URL does. The stub sees every such request
// coming from 127.0.0.1 (one client, for the brute-force brake). Answers are buffered whole.
func (s *Stack) Transport() http.RoundTripper { return handlerTransport{s} }

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close() // a RoundTripper closes the body, even on errors
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	// The request as a server would see it: a path, not an absolute URL; a body, never nil.
	in := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host, u.User = "", "", nil
	in.URL = &u
	in.RequestURI = u.RequestURI()
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	in.RemoteAddr = "127.0.0.1:0"

	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
