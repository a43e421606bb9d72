package loadgen

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	cases := []struct {
		name, raw, body string
		status          int
		close           bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=b; Path=/\r\n\r\nhello", "hello", 200, false},
		{"chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n", "abcde", 201, false},
		{"close", "HTTP/1.1 302 Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "", 302, true},
		{"to eof", "HTTP/1.0 200 OK\r\n\r\nall of it", "all of it", 200, true},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", "", 204, false},
	}
	for _, c := range cases {
		var r Response
		if err := readResponse(bufio.NewReader(strings.NewReader(c.raw)), &r); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Status != c.status || string(r.Body) != c.body || r.close != c.close {
			t.Errorf("%s: got %d %q close=%v", c.name, r.Status, r.Body, r.close)
		}
	}
	var r Response
	if err := readResponse(bufio.NewReader(strings.NewReader(cases[0].raw)), &r); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.Cookie("a"); !ok || v != "b" {
		t.Errorf("Cookie(a) = %q, %v", v, ok)
	}
	if _, ok := r.Cookie("b"); ok {
		t.Error("Cookie(b) found")
	}
	for _, bad := range []string{"", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"} {
		if err := readResponse(bufio.NewReader(strings.NewReader(bad)), &Response{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestConnAgainstNetHTTP(t *testing.T) {
	var closeNext atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if closeNext.Load() {
			w.Header().Set("Connection", "close")
		}
		if r.URL.Path == "/big" {
			fmt.Fprint(w, strings.Repeat("x", 100_000)) // chunked
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: r.Header.Get("Cookie")})
		fmt.Fprint(w, r.Method)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := NewConn(host, 5*time.Second)
	defer c.Close()
	for i := range 3 {
		closeNext.Store(i == 1)
		resp, err := c.Do(Request("POST", host, "/", []string{"Cookie: k=v"}, []byte("{}")))
		if err := Expect(resp, err, 200); err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "POST" {
			t.Errorf("body %q", resp.Body)
		}
		if v, _ := resp.Cookie("session"); v != "k=v" {
			t.Errorf("cookie %q", v)
		}
	}
	if c.Dials != 2 {
		t.Errorf("Dials = %d, want 2 (the server closed once)", c.Dials)
	}
	resp, err := c.Do(Request("GET", host, "/big", nil, nil))
	if err := Expect(resp, err, 200); err != nil || len(resp.Body) != 100_000 {
		t.Fatalf("big: %v, %d bytes", err, len(resp.Body))
	}
}

func TestRunBounds(t *testing.T) {
	var n atomic.Int64
	res := Run(Options{Workers: 3, Duration: time.Minute, MaxRequests: 100}, func(int) error {
		n.Add(1)
		return nil
	})
	if res.OK != 100 || n.Load() != 100 {
		t.Errorf("OK = %d, ops = %d, want 100", res.OK, n.Load())
	}
	res = Run(Options{Workers: 2, Duration: 50 * time.Millisecond, Rate: 200}, func(int) error { return fmt.Errorf("no") })
	if res.OK != 0 || res.Errors != 10 || res.FirstError != "no" {
		t.Errorf("open loop: %+v", res)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1} {
		if got := Percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}
