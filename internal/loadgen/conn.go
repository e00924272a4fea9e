package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
)

// conn is one keep-alive HTTP/1.1 connection. It reads only what it needs from an answer
// (status code, body framing, Connection: close) and discards the body, so measuring costs
// next to nothing per request.
type conn struct {
	nc     net.Conn
	r      *bufio.Reader
	closed bool
}

func newConn(nc net.Conn) *conn {
	return &conn{nc: nc, r: bufio.NewReaderSize(nc, 16<<10)}
}

func (c *conn) close() {
	if !c.closed {
		c.closed = true
		_ = c.nc.Close()
	}
}

// roundTrip writes one request and reads its whole answer, returning the status code.
func (c *conn) roundTrip(req []byte) (int, error) {
	if _, err := c.nc.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, fmt.Errorf("read status line: %w", err)
	}
	// "HTTP/1.1 200 OK\r\n": the code is the three bytes after the first space.
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || len(line) < sp+4 {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	status, err := strconv.Atoi(string(line[sp+1 : sp+4]))
	if err != nil {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked, closeAfter := int64(-1), false, false
	for {
		line, err = c.r.ReadSlice('\n')
		if err != nil {
			return 0, fmt.Errorf("read header: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return 0, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		if _, err = io.Copy(io.Discard, httputil.NewChunkedReader(c.r)); err == nil {
			err = c.skipTrailer()
		}
	case length >= 0:
		_, err = c.r.Discard(int(length))
	default:
		// No framing: the body runs to the end of the connection.
		_, err = io.Copy(io.Discard, c.r)
		closeAfter = true
	}
	if err != nil {
		return 0, fmt.Errorf("read body: %w", err)
	}
	if closeAfter {
		c.close()
	}
	return status, nil
}

// skipTrailer reads what follows a chunked body's last chunk: trailer lines up to and
// including the empty line that ends the answer.
func (c *conn) skipTrailer() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}
