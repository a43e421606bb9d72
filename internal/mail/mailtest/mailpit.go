// Package mailtest helps test email: a mailpit SMTP server of a test's own,
// read back through mailpit's HTTP API, and the contract suite every
// mail.Queue implementation passes.
//
// It imports internal/mail, internal/testenv and the standard library; only
// tests import it.
package mailtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/testenv"
)

// Mailpit is a running mailpit server, stopped when the test ends.
type Mailpit struct {
	SMTPHost string // 127.0.0.1
	SMTPPort int
	API      string // base URL of the HTTP API, "http://127.0.0.1:port"
}

// Address is an address as mailpit reports it.
type Address struct{ Name, Address string }

// Summary is an entry of GET /api/v1/messages.
type Summary struct {
	ID, MessageID, Subject, Snippet, Username string
	From                                      *Address
	To                                        []Address
}

// Detail is GET /api/v1/message/{ID}: the decoded message.
type Detail struct {
	ID, MessageID, Subject, Text, HTML string
	From                               *Address
	To                                 []Address
	Date                               time.Time
}

// MailpitBinary finds mailpit: $ACCOUNTS_TEST_MAILPIT, else .bin/mailpit at
// the repository root (where `GOBIN=$PWD/.bin go install` puts it), else
// PATH. It skips the test (fails it under CI=true) when there is none.
func MailpitBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ACCOUNTS_TEST_MAILPIT"); p != "" {
		return p
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(file), "..", "..", "..", ".bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	testenv.SkipOrFail(t, "mailpit not found (set ACCOUNTS_TEST_MAILPIT, or run "+
		"GOBIN=\"$PWD/.bin\" go install github.com/axllent/mailpit@v1.27.11)")
	return ""
}

// StartMailpit starts mailpit on free loopback ports with its own database
// and the extra flags given (e.g. "--smtp-auth-accept-any"), and waits until
// it answers.
func StartMailpit(t testing.TB, flags ...string) *Mailpit {
	t.Helper()
	return StartMailpitOn(t, 0, flags...)
}

// StartMailpitOn is StartMailpit with the SMTP server on the given loopback
// port (0: a free one), for tests that start the server late.
func StartMailpitOn(t testing.TB, smtpPort int, flags ...string) *Mailpit {
	t.Helper()
	bin := MailpitBinary(t)
	var lastErr error
	for range 3 { // a free port may be taken before mailpit binds it
		port := smtpPort
		if port == 0 {
			port = FreePort(t)
		}
		p, err := startMailpit(t, bin, port, flags)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatalf("start mailpit: %v", lastErr)
	return nil
}

func startMailpit(t testing.TB, bin string, smtpPort int, flags []string) (*Mailpit, error) {
	httpPort := FreePort(t)
	args := append([]string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(smtpPort), "--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet",
		"--max", "0",
	}, flags...)
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cmd.Process.Kill(); <-exited }
	p := &Mailpit{SMTPHost: "127.0.0.1", SMTPPort: smtpPort, API: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return nil, fmt.Errorf("mailpit exited: %s", out.String())
		default:
		}
		if p.ready() {
			t.Cleanup(stop)
			return p, nil
		}
	}
	stop()
	return nil, fmt.Errorf("mailpit did not answer within 15s: %s", out.String())
}

func (p *Mailpit) ready() bool {
	c, err := net.DialTimeout("tcp", p.SMTPAddr(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	resp, err := http.Get(p.API + "/api/v1/messages")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// SMTPAddr returns host:port of the SMTP server.
func (p *Mailpit) SMTPAddr() string {
	return net.JoinHostPort(p.SMTPHost, strconv.Itoa(p.SMTPPort))
}

// Messages returns every stored message, newest first.
func (p *Mailpit) Messages(t testing.TB) []Summary {
	t.Helper()
	var out struct{ Messages []Summary }
	p.call(t, "GET", "/api/v1/messages?limit=10000", nil, &out)
	return out.Messages
}

// WaitMessages polls until mailpit holds at least n messages, failing the
// test after timeout.
func (p *Mailpit) WaitMessages(t testing.TB, n int, timeout time.Duration) []Summary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := p.Messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit holds %d messages after %v, want %d", len(ms), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Message returns one message, decoded by mailpit.
func (p *Mailpit) Message(t testing.TB, id string) Detail {
	t.Helper()
	var d Detail
	p.call(t, "GET", "/api/v1/message/"+id, nil, &d)
	return d
}

// Raw returns one message as received.
func (p *Mailpit) Raw(t testing.TB, id string) []byte {
	t.Helper()
	var raw []byte
	p.call(t, "GET", "/api/v1/message/"+id+"/raw", nil, &raw)
	return raw
}

// SetChaos makes mailpit answer the recipient (RCPT TO) with code at the
// given probability in percent; probability 0 switches it off. Mailpit
// must run with --enable-chaos.
func (p *Mailpit) SetChaos(t testing.TB, code, probability int) {
	t.Helper()
	body := map[string]any{"Recipient": map[string]int{"ErrorCode": code, "Probability": probability}}
	p.call(t, "PUT", "/api/v1/chaos", body, nil)
}

func (p *Mailpit) call(t testing.TB, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.API+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %d %s %v", method, path, resp.StatusCode, b, err)
	}
	switch out := out.(type) {
	case nil:
	case *[]byte:
		*out = b
	default:
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("mailpit %s %s: %v in %s", method, path, err, b)
		}
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
