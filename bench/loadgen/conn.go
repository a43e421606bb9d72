// Package loadgen is the load generator of `make bench`: HTTP/1.1 over plain
// TCP connections, with requests written as prepared bytes and responses
// parsed by a small reader (status, headers, Content-Length or chunked
// bodies, "Connection: close"), so that the client costs a few microseconds
// of CPU per request and leaves the cores to the server under test. Run
// drives operations from a fixed number of workers, closed loop (each worker
// sends its next request when the previous one is answered) or open loop (a
// fixed total rate, latency counted from each request's scheduled time), and
// always bounded both in time and in count.
//
// It is used by bench/cmd/bench only; the product never imports it.
package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a response body the client accepts.
const maxBody = 16 << 20

// Response is one parsed response. Header and Body stay valid until the next
// Do on the same Conn.
type Response struct {
	Status int
	Header []byte // header lines after the status line, each ending in "\r\n"
	Body   []byte
	close  bool
}

// HeaderValues returns the values of every header line named name
// (case-insensitive).
func (r *Response) HeaderValues(name string) []string {
	var out []string
	rest := r.Header
	for len(rest) > 0 {
		line, tail, _ := bytes.Cut(rest, []byte("\r\n"))
		rest = tail
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			out = append(out, string(bytes.TrimSpace(v)))
		}
	}
	return out
}

// Cookie returns the value the response sets for the cookie name, if any.
func (r *Response) Cookie(name string) (string, bool) {
	for _, v := range r.HeaderValues("Set-Cookie") {
		pair, _, _ := strings.Cut(v, ";")
		k, val, ok := strings.Cut(pair, "=")
		if ok && k == name {
			return val, true
		}
	}
	return "", false
}

// Conn is one client connection, redialled when the server closes it. It is
// not safe for concurrent use.
type Conn struct {
	addr    string
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	resp    Response
	// Dials counts the connections opened (a server that closes after each
	// response, such as gunicorn's sync workers, costs one per request).
	Dials int
}

// NewConn returns a Conn to addr (host:port); each request must be answered
// within timeout.
func NewConn(addr string, timeout time.Duration) *Conn {
	return &Conn{addr: addr, timeout: timeout}
}

// Close closes the connection.
func (c *Conn) Close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

func (c *Conn) dial() error {
	nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return err
	}
	c.Dials++
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 32<<10)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

// errNothingRead marks a kept-alive connection the server had closed
// before answering: the request is sent again on a new one.
var errNothingRead = errors.New("connection closed before any response byte")

// Do sends req (a complete HTTP/1.1 request) and reads its response.
func (c *Conn) Do(req []byte) (*Response, error) {
	for attempt := 0; ; attempt++ {
		reused := c.nc != nil
		if !reused {
			if err := c.dial(); err != nil {
				return nil, err
			}
		}
		err := c.roundTrip(req)
		if err == nil {
			if c.resp.close {
				c.Close()
			}
			return &c.resp, nil
		}
		c.Close()
		if reused && attempt == 0 && errors.Is(err, errNothingRead) {
			continue
		}
		return nil, err
	}
}

func (c *Conn) roundTrip(req []byte) error {
	if c.timeout > 0 {
		c.nc.SetDeadline(time.Now().Add(c.timeout))
	}
	if _, err := c.nc.Write(req); err != nil {
		return errNothingRead
	}
	return readResponse(c.br, &c.resp)
}

// readResponse parses one response from br into r, reusing r's buffers.
func readResponse(br *bufio.Reader, r *Response) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 && (err == io.EOF || errors.Is(err, net.ErrClosed) || isReset(err)) {
			return errNothingRead
		}
		return fmt.Errorf("status line: %w", err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return fmt.Errorf("bad status line %q", truncate(line))
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return fmt.Errorf("bad status line %q", truncate(line))
	}
	r.Status = status
	r.close = line[7] == '0' // HTTP/1.0 closes unless told otherwise
	r.Header = r.Header[:0]
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
		r.Header = append(r.Header, bytes.TrimRight(line, "\r\n")...)
		r.Header = append(r.Header, '\r', '\n')
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			n, err := strconv.Atoi(string(v))
			if err != nil || n < 0 || n > maxBody {
				return fmt.Errorf("bad Content-Length %q", v)
			}
			length = n
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			if bytes.EqualFold(v, []byte("close")) {
				r.close = true
			} else if bytes.EqualFold(v, []byte("keep-alive")) {
				r.close = false
			}
		}
	}
	r.Body = r.Body[:0]
	switch {
	case status == 204 || status == 304 || status/100 == 1:
	case chunked:
		return readChunked(br, r)
	case length >= 0:
		r.Body = grow(r.Body, length)
		if _, err := io.ReadFull(br, r.Body); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	default: // the body runs to the end of the connection
		r.close = true
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(br, maxBody)); err != nil {
			return fmt.Errorf("body: %w", err)
		}
		r.Body = append(r.Body, buf.Bytes()...)
	}
	return nil
}

func readChunked(br *bufio.Reader, r *Response) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("chunk size: %w", err)
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 || int64(len(r.Body))+n > maxBody {
			return fmt.Errorf("bad chunk size %q", truncate(line))
		}
		if n == 0 {
			for { // trailers, then the empty line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return fmt.Errorf("trailer: %w", err)
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(r.Body)
		r.Body = grow(r.Body, start+int(n))
		if _, err := io.ReadFull(br, r.Body[start:]); err != nil {
			return fmt.Errorf("chunk: %w", err)
		}
		if _, err := br.Discard(2); err != nil {
			return fmt.Errorf("chunk end: %w", err)
		}
	}
}

func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return append(b[:cap(b)], make([]byte, n-cap(b))...)[:n]
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// Request returns a complete HTTP/1.1 request. headers are "Name: value"
// lines; a body gets its Content-Length.
func Request(method, host, path string, headers []string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(128 + len(body))
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: accounts-bench/1\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != nil || method == "POST" || method == "PUT" || method == "PATCH" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}
