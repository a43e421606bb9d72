// Package storage opens the rate limiter that RATELIMIT_STORAGE_URI names,
// as Flask-Limiter's storage URIs do: "memory://" for one node, a Redis URL
// for limits shared by every node.
//
// It imports the standard library, internal/ratelimit and its memory and
// redislimit subpackages.
package storage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/invenio-go/accounts/internal/ratelimit"
	"github.com/invenio-go/accounts/internal/ratelimit/memory"
	"github.com/invenio-go/accounts/internal/ratelimit/redislimit"
)

// Limiter is a ratelimit.Limiter that Close releases (a Redis client; for
// memory, nothing).
type Limiter interface {
	ratelimit.Limiter
	Close() error
}

var (
	_ Limiter = (*memory.Limiter)(nil)
	_ Limiter = (*redislimit.Limiter)(nil)
)

// Options configure the limiter FromURI opens; only the part for its kind
// is used.
type Options struct {
	Memory memory.Options
	// Redis sets the key prefix, the fallback to memory while Redis is
	// down, and so on.
	Redis redislimit.Options
}

// FromURI opens the limiter uri names:
//
//	memory://                      a memory.Limiter
//	redis://..., rediss://...      a redislimit.Limiter (one server)
//	redis+sentinel://..., rediss+sentinel://...   (Sentinel)
//	redis+cluster://..., rediss+cluster://...     (Cluster)
//	unix://...                     (one server on a Unix socket)
//
// The Redis URLs are those of redisstore.NewClient. FromURI does not
// contact Redis. It returns an error for another scheme or an invalid URL;
// errors never repeat the URI, which may hold a password.
func FromURI(uri string, opts Options) (Limiter, error) {
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		return nil, errors.New("storage: invalid rate-limit storage URI: no scheme")
	}
	switch scheme {
	case "memory":
		if uri != "memory://" {
			return nil, errors.New(`storage: the memory URI is just "memory://"`)
		}
		return memory.New(opts.Memory), nil
	case "redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster":
		return redislimit.Open(uri, opts.Redis)
	}
	if !validScheme(scheme) {
		return nil, errors.New("storage: invalid rate-limit storage URI scheme")
	}
	return nil, fmt.Errorf("storage: unsupported rate-limit storage %q: use memory:// or a Redis URL", scheme+"://")
}

// validScheme reports whether s has the syntax of a URI scheme (RFC 3986),
// and so is safe to quote: text before "://" that is not a scheme may be
// anything, a password included.
func validScheme(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != "" && len(s) <= 32
}
