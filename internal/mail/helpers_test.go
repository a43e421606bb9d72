package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/invenio-go/accounts/internal/mail"
	"github.com/invenio-go/accounts/internal/mail/mailtest"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
)

// testCert writes a self-signed certificate for 127.0.0.1 and returns the
// PEM file paths and a TLS config that trusts it.
func testCert(t *testing.T) (certFile, keyFile string, trust *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// stalledServer accepts connections and never says a word; it reports each
// connection on the returned channel.
func stalledServer(t *testing.T) (port int, conns <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
	var mu sync.Mutex
	var open []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			ch <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().(*net.TCPAddr).Port, ch
}

// slowProxy forwards connections to target, each only after delay; it
// reports each connection as it arrives.
func slowProxy(t *testing.T, target string, delay time.Duration) (port int, conns <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan struct{}, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			ch <- struct{}{}
			go func() {
				defer c.Close()
				time.Sleep(delay)
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, ch
}

// smtpTo returns a plain SMTP sender to 127.0.0.1:port.
func smtpTo(t *testing.T, port int, timeout time.Duration) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(mail.SMTPOptions{Server: "127.0.0.1", Port: port, Timeout: timeout,
		DefaultSender: "Accounts <no-reply@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mailpitSender(t *testing.T, p *mailtest.Mailpit) *mail.SMTP {
	t.Helper()
	return smtpTo(t, p.SMTPPort, 5*time.Second)
}

// sqliteDB is a migrated SQLite database of the test's own.
func sqliteDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.SQLite, filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// postgresDSN is an empty, migrated PostgreSQL database of the test's own;
// each Open of it is one node.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := sqltest.NewPostgresDatabase(t)
	db := openPostgres(t, dsn)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dsn
}

func openPostgres(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// row is a queue row as the tests look at it.
type row struct {
	Status, LastError string
	Attempts          int
	NextAttemptAt     time.Time
	Message           string
}

func queueRows(t *testing.T, db *sqlstore.DB) []row {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT status, COALESCE(last_error, ''), attempts, next_attempt_at, message
		FROM accounts_go_mail_queue ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.Status, &r.LastError, &r.Attempts, &r.NextAttemptAt, &r.Message); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// message is a valid message whose subject tells it apart.
func message(to, subject string) mail.Message {
	return mail.Message{To: []string{to}, Subject: subject,
		Text: "Reset: https://example.org/lost-password/SECRET-TOKEN", HTML: `<a href="https://example.org/lost-password/SECRET-TOKEN">Reset</a>`}
}

func itoa(i int) string { return strconv.Itoa(i) }
