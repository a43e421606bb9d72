package redisstore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts applied when the URL does not set them: a dead Redis gives a
// quick error, not a hung request.
const (
	defaultDialTimeout  = 2 * time.Second
	defaultReadTimeout  = time.Second
	defaultWriteTimeout = time.Second
	defaultMaxRetries   = 1
	// defaultDialerRetries is the dial attempts per command attempt (go-redis
	// makes 5 by default, which would turn a 2 s dial timeout into 10 s).
	defaultDialerRetries = 1
)

// NewClient returns a go-redis client for rawURL (ACCOUNTS_SESSION_REDIS_URL):
//
//	redis://[[user]:password@]host[:port][/db][?option=value...]
//	rediss://...   (TLS), unix://[[user]:password@]/path/to.sock[?db=N]
//	    one server, as go-redis ParseURL reads it.
//	redis+sentinel://[[user]:password@]host1[:port][,host2[:port]...]/<master name>[/db][?option=value...]
//	rediss+sentinel://... (TLS)
//	    Redis Sentinel (port default 26379). The user and password are the
//	    master's; the sentinels' own go in the options sentinel_username and
//	    sentinel_password. Other options are go-redis ParseFailoverURL's.
//	redis+cluster://[[user]:password@]host1[:port][,host2[:port]...][?option=value...]
//	rediss+cluster://... (TLS)
//	    Redis Cluster (port default 6379), with go-redis ParseClusterURL's
//	    options; seed nodes may also be given its way, as addr=host:port
//	    options.
//
// Options are go-redis' snake_case names (dial_timeout=3s, max_retries=2,
// pool_size=20, ...). Unless the URL sets them: dial timeout 2 s and one
// dial attempt, read and write timeouts 1 s, one retry, and context
// deadlines respected, so that a dead Redis fails a command within about
// 4 s at worst (an unreachable host), at once when the port is closed. The
// clients of one URL share a circuit breaker (breaker.go; one per node of a
// cluster): after a command found the server silent, commands fail at once
// (ErrBreakerOpen) until one let through a second later gets an answer.
// Errors never repeat the URL (it may hold a password).
func NewClient(rawURL string) (redis.UniversalClient, error) {
	o, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var c redis.UniversalClient
	switch {
	case o.failover != nil:
		c = redis.NewFailoverClient(o.failover)
	case o.cluster != nil:
		// A breaker per node: one silent node must not stop the commands
		// that go to the others.
		o.cluster.NewClient = func(opt *redis.Options) *redis.Client {
			n := redis.NewClient(opt)
			n.AddHook(breakerHook{breakerFor(rawURL + " node " + opt.Addr)})
			return n
		}
		return redis.NewClusterClient(o.cluster), nil
	default:
		c = redis.NewClient(o.simple)
	}
	c.AddHook(breakerHook{breakerFor(rawURL)})
	return c, nil
}

// clientOptions holds the options of exactly one kind of client.
type clientOptions struct {
	simple   *redis.Options
	failover *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

func parseURL(rawURL string) (clientOptions, error) {
	o, err := parseAnyURL(rawURL)
	if err != nil {
		return o, err
	}
	switch {
	case o.simple != nil:
		err = checkPool(o.simple.PoolSize, o.simple.MinIdleConns, o.simple.MaxIdleConns, o.simple.MaxActiveConns)
	case o.failover != nil:
		err = checkPool(o.failover.PoolSize, o.failover.MinIdleConns, o.failover.MaxIdleConns, o.failover.MaxActiveConns)
	case o.cluster != nil:
		err = checkPool(o.cluster.PoolSize, o.cluster.MinIdleConns, o.cluster.MaxIdleConns, o.cluster.MaxActiveConns)
	}
	return o, err
}

// checkPool refuses negative pool options: go-redis takes them as they are,
// and a negative pool_size makes it panic (a channel of negative size; found
// by FuzzFromURI).
func checkPool(sizes ...int) error {
	for _, n := range sizes {
		if n < 0 {
			return errors.New("redisstore: invalid URL: a pool option (pool_size, min_idle_conns, max_idle_conns, max_active_conns) is negative")
		}
	}
	return nil
}

func parseAnyURL(rawURL string) (clientOptions, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return clientOptions{}, errors.New("redisstore: invalid URL: no scheme")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return clientOptions{}, urlError(err)
		}
		applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
		return clientOptions{simple: o}, nil
	case "redis+sentinel", "rediss+sentinel":
		o, err := parseFailover(strings.TrimSuffix(scheme, "+sentinel"), rest)
		return clientOptions{failover: o}, err
	case "redis+cluster", "rediss+cluster":
		o, err := parseCluster(strings.TrimSuffix(scheme, "+cluster"), rest)
		return clientOptions{cluster: o}, err
	default:
		return clientOptions{}, fmt.Errorf("redisstore: invalid URL scheme %q", scheme)
	}
}

// multiHost is a URL with a comma-separated host list, split up.
type multiHost struct {
	user     *url.Userinfo
	hosts    []string // host:port
	path     string
	query    url.Values
	rawQuery string
}

// parseMultiHost parses what follows "scheme://" in a URL whose host part
// is a comma-separated list, which net/url does not accept.
func parseMultiHost(rest, defaultPort string) (*multiHost, error) {
	var m multiHost
	rest, m.rawQuery, _ = strings.Cut(rest, "?")
	q, err := url.ParseQuery(m.rawQuery)
	if err != nil {
		return nil, errors.New("redisstore: invalid URL query")
	}
	m.query = q
	authority := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, m.path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		u, err := url.Parse("redis://" + authority[:i+1] + "h")
		if err != nil {
			return nil, errors.New("redisstore: invalid URL user info")
		}
		m.user, authority = u.User, authority[i+1:]
	}
	for h := range strings.SplitSeq(authority, ",") {
		hp, err := withPort(h, defaultPort)
		if err != nil {
			return nil, err
		}
		m.hosts = append(m.hosts, hp)
	}
	return &m, nil
}

// withPort returns h as host:port, adding the default port when missing.
func withPort(h, defaultPort string) (string, error) {
	if h == "" {
		return "", errors.New("redisstore: invalid URL: empty host")
	}
	if host, port, err := net.SplitHostPort(h); err == nil {
		if host == "" || port == "" {
			return "", errors.New("redisstore: invalid URL host")
		}
		return h, nil
	}
	return net.JoinHostPort(strings.Trim(h, "[]"), defaultPort), nil
}

// goRedisURL builds the single-host URL with addr= options that go-redis'
// ParseFailoverURL and ParseClusterURL read.
func (m *multiHost) goRedisURL(scheme, path string) string {
	q := url.Values{}
	for k, v := range m.query {
		q[k] = v
	}
	for _, h := range m.hosts[1:] {
		q.Add("addr", h)
	}
	u := url.URL{Scheme: scheme, Host: m.hosts[0], Path: path, RawQuery: q.Encode()}
	return u.String()
}

func parseFailover(scheme, rest string) (*redis.FailoverOptions, error) {
	m, err := parseMultiHost(rest, "26379")
	if err != nil {
		return nil, err
	}
	master, db, _ := strings.Cut(strings.TrimPrefix(m.path, "/"), "/")
	if master == "" {
		return nil, errors.New("redisstore: sentinel URL needs /<master name>")
	}
	sentinelUser, sentinelPass := m.query.Get("sentinel_username"), m.query.Get("sentinel_password")
	m.query.Del("sentinel_username")
	m.query.Del("sentinel_password")
	m.query.Set("master_name", master)
	o, err := redis.ParseFailoverURL(m.goRedisURL(scheme, "/"+db))
	if err != nil {
		return nil, urlError(err)
	}
	o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPass
	if m.user != nil {
		o.Username = m.user.Username()
		o.Password, _ = m.user.Password()
	}
	applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
	o.ContextTimeoutEnabled = true
	return o, nil
}

func parseCluster(scheme, rest string) (*redis.ClusterOptions, error) {
	m, err := parseMultiHost(rest, "6379")
	if err != nil {
		return nil, err
	}
	if strings.Trim(m.path, "/") != "" {
		return nil, errors.New("redisstore: a cluster URL has no database path")
	}
	o, err := redis.ParseClusterURL(m.goRedisURL(scheme, ""))
	if err != nil {
		return nil, urlError(err)
	}
	if m.user != nil {
		o.Username = m.user.Username()
		o.Password, _ = m.user.Password()
	}
	applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries)
	o.ContextTimeoutEnabled = true
	return o, nil
}

// applyDefaults sets the timeouts and retries the URL left at 0 (go-redis'
// "use the default"; a negative value still disables one).
func applyDefaults(dial, read, write *time.Duration, retries, dialRetries *int) {
	if *dialRetries == 0 {
		*dialRetries = defaultDialerRetries
	}
	if *dial == 0 {
		*dial = defaultDialTimeout
	}
	if *read == 0 {
		*read = defaultReadTimeout
	}
	if *write == 0 {
		*write = defaultWriteTimeout
	}
	if *retries == 0 {
		*retries = defaultMaxRetries
	}
}

// urlError drops the URL that net/url errors quote (it may hold a
// password), keeping the reason.
func urlError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("redisstore: invalid URL: %w", err)
}
