package serverimpl_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl"
)

// The server's connection bounds, each shortened so the test sees the connection closed
// without waiting the real defaults. Every wait is a read bounded by a deadline, not a sleep.

// startLimited serves the stub with limits and returns a raw connection to it.
func startLimited(t *testing.T, limits serverimpl.HTTPLimits) (net.Conn, *bufio.Reader) {
	t.Helper()
	srv, err := serverimpl.Start(serverimpl.Options{HTTP: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.URL[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// How long the test waits for the server to act: far above the limits the tests set, and
	// below every default (10 s and more), so a limit that is not applied fails the test.
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// expectClosed reads until the server closes the connection, and fails if it does not.
func expectClosed(t *testing.T, r *bufio.Reader) {
	t.Helper()
	_, err := io.ReadAll(r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open")
	}
}

func write(t *testing.T, conn net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(conn, s); err != nil {
		t.Fatal(err)
	}
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	conn, r := startLimited(t, serverimpl.HTTPLimits{ReadHeaderTimeout: 200 * time.Millisecond})
	write(t, conn, "POST "+serverimpl.BasePath+opLogin+" HTTP/1.1\r\nHost: crmauth.test\r\n") // and no more
	start := time.Now()
	expectClosed(t, r)
	t.Logf("closed after %v", time.Since(start).Round(time.Millisecond))
}

func TestSlowBodyIsCutOff(t *testing.T) {
	conn, r := startLimited(t, serverimpl.HTTPLimits{ReadTimeout: 300 * time.Millisecond})
	write(t, conn, "POST "+serverimpl.BasePath+opLogin+" HTTP/1.1\r\nHost: crmauth.test\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(validLogin))+"\r\n\r\n"+validLogin[:10])
	resp, err := http.ReadResponse(r, nil)
	if err == nil {
		// The stub may still answer the half-read request: then in the envelope, not with a 5xx.
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a body cut off by the read timeout got %d: %s", resp.StatusCode, body)
		}
		expectFailureBody(t, body, "request body could not be read")
	}
	expectClosed(t, r)
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	conn, r := startLimited(t, serverimpl.HTTPLimits{IdleTimeout: 200 * time.Millisecond})
	write(t, conn, "GET /healthz HTTP/1.1\r\nHost: crmauth.test\r\n\r\n")
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
	}
	expectClosed(t, r) // kept alive, then closed once idle
}

func TestSlowAnswersAreCutOff(t *testing.T) {
	conn, r := startLimited(t, serverimpl.HTTPLimits{WriteTimeout: 200 * time.Millisecond})
	write(t, conn, "POST "+serverimpl.BasePath+opLogin+" HTTP/1.1\r\nHost: crmauth.test\r\n"+
		serverimpl.LatencyHeader+": 1s\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(validLogin))+"\r\n\r\n"+validLogin)
	if resp, err := http.ReadResponse(r, nil); err == nil {
		t.Fatalf("an answer past the write timeout arrived: %d", resp.StatusCode)
	}
	expectClosed(t, r)
}

// expectFailureBody checks that body is the error envelope and its message says want.
func expectFailureBody(t *testing.T, body []byte, want string) {
	t.Helper()
	e := decodeEnvelope(t, body)
	if e.Status.Code == "" || e.Status.Code == "OK" || !strings.Contains(e.Status.Message, want) {
		t.Fatalf("answer %s does not say %q", body, want)
	}
}
