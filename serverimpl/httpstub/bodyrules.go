package httpstub

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// MaxBodyBytes is the largest request body the methods accept (64 KiB); larger bodies are
// answered PAYLOAD_TOO_LARGE without being read to the end.
const MaxBodyBytes = 64 << 10

// bodyRules enforces the body limit and the media type before validation, so that both get
// their own status (413, 415) rather than a generic 400, and refuses JSON that decoders read
// differently (strictJSONProblem). The body is read once into memory and
// left re-readable (GetBody) for the validator and the handler.
func bodyRules(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > MaxBodyBytes {
			return tooLarge()
		}
		p := new(replay)
		var data []byte
		if r.Body != nil && r.Body != http.NoBody {
			var err error
			data, err = p.read(r)
			_ = r.Body.Close()
			if err != nil {
				return fail(gen.ErrorCodeInvalidRequest, "request body could not be read")
			}
			if len(data) > MaxBodyBytes {
				return tooLarge()
			}
		}
		if len(data) > 0 {
			if f := mediaTypeFailure(r.Header.Get("Content-Type")); f != nil {
				return f
			}
			if problem := strictJSONProblem(data); problem != "" {
				return fail(gen.ErrorCodeInvalidRequest, problem)
			}
		}
		r.ContentLength = int64(len(data))
		p.data = data
		p.body.Reset(data)
		r.Body, r.GetBody = &p.body, p.get
		return next(c)
	}
}

// replay is the request body read back from memory: the request's own reader, the first one
// GetBody hands out (the validator asks for it) and a small body itself, in one allocation
// with GetBody (a method value) in a second, where a reader each and a closure took four.
type replay struct {
	data        []byte
	body, again replayBody
	given       bool
	small       [smallBody]byte
}

// smallBody is how large a body replay keeps inline: a login's is about 70 bytes, a key
// method's is {}.
const smallBody = 128

// read reads r's body, into replay's own space when it is small.
func (p *replay) read(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= smallBody {
		data := p.small[:n]
		_, err := io.ReadFull(r.Body, data)
		return data, err
	}
	return readBody(r)
}

// get is the request's GetBody: a new reader of the body on each call.
func (p *replay) get() (io.ReadCloser, error) {
	if !p.given {
		p.given = true
		p.again.Reset(p.data)
		return &p.again, nil
	}
	return newReplayBody(p.data), nil
}

// replayBody is a reader of the body in memory: one allocation, where
// io.NopCloser(bytes.NewReader(...)) takes two.
type replayBody struct{ bytes.Reader }

func newReplayBody(data []byte) *replayBody {
	b := new(replayBody)
	b.Reset(data)
	return b
}

func (*replayBody) Close() error { return nil }

// readBody reads at most MaxBodyBytes+1 bytes of the body: into a buffer of exactly the
// declared length when there is one (net/http ends the body there), so that a small body does
// not cost io.ReadAll's 512-byte start.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > 0 && r.ContentLength <= MaxBodyBytes {
		data := make([]byte, r.ContentLength)
		_, err := io.ReadFull(r.Body, data)
		return data, err
	}
	return io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
}

func tooLarge() *failure {
	return fail(gen.ErrorCodePayloadTooLarge, fmt.Sprintf("request body is over %d bytes", MaxBodyBytes))
}

// mediaTypeFailure accepts application/json, without a charset or with charset=utf-8: JSON
// exchanged between systems is UTF-8 (RFC 8259), and a body declared in another charset would
// be read as UTF-8 anyway, so a password in Latin-1 would silently be another password.
func mediaTypeFailure(contentType string) *failure {
	if contentType == "" {
		return fail(gen.ErrorCodeUnsupportedMediaType, "Content-Type is missing; send application/json")
	}
	if contentType == "application/json" { // what clients send: no parameters to parse
		return nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return fail(gen.ErrorCodeUnsupportedMediaType, fmt.Sprintf("content type %s is not supported", sanitize(contentType)))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fail(gen.ErrorCodeUnsupportedMediaType, fmt.Sprintf("charset %s is not supported; send UTF-8", sanitize(cs)))
	}
	return nil
}

// sanitize keeps an echoed header value short and printable.
func sanitize(s string) string {
	const limit = 80
	b := []rune{}
	for _, r := range s {
		if len(b) == limit {
			b = append(b, '…')
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b = append(b, r)
	}
	return string(b)
}
