package config

import (
	"errors"
	"fmt"
)

// setProxyFix reads PROXYFIX_CONFIG as werkzeug's ProxyFix(**config) would:
// x_for and x_proto default to 1, the others to 0, and unknown names are
// errors (ProxyFix would raise TypeError).
func setProxyFix(c *Config, raw string) error {
	if raw == "" {
		return nil
	}
	m, err := ParseDict(raw)
	if err != nil || len(m) == 0 {
		return err // an empty dict is false in Python: WSGI_PROXIES applies
	}
	hops := map[string]*int{
		"x_for": &c.ProxyFixXFor, "x_proto": &c.ProxyFixXProto, "x_host": &c.ProxyFixXHost,
		"x_port": &c.ProxyFixXPort, "x_prefix": &c.ProxyFixXPrefix,
	}
	c.ProxyFixXFor, c.ProxyFixXProto, c.ProxyFixXHost, c.ProxyFixXPort, c.ProxyFixXPrefix = 1, 1, 0, 0, 0
	for _, name := range sortedKeys(m) {
		field, ok := hops[name]
		if !ok {
			return fmt.Errorf("unknown option %q (expected x_for, x_proto, x_host, x_port, x_prefix)", name)
		}
		n, ok := literalInt(m[name])
		if !ok || n < 0 || n > 100 {
			return fmt.Errorf("%s: expected a number of proxies from 0 to 100", name)
		}
		*field = int(n)
	}
	return nil
}

// setWSGIProxies reads the deprecated WSGI_PROXIES, which counts only
// X-Forwarded-For hops and applies when PROXYFIX_CONFIG is not set.
func setWSGIProxies(c *Config, raw string) error {
	if raw == "" {
		return nil
	}
	n, err := ParseInt(raw)
	if err != nil || n < 0 || n > 100 {
		return errors.New("expected a number of proxies from 0 to 100")
	}
	if m, _ := ParseDict(c.values["PROXYFIX_CONFIG"].raw); len(m) == 0 {
		c.ProxyFixXFor = n
	}
	return nil
}
