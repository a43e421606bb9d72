package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RedisCluster is a Redis Cluster of masters only (no replicas) that a
// test started from redis-server on free loopback ports, each node in a
// temporary directory of its own, without persistence. It is killed when
// the test ends.
type RedisCluster struct {
	nodes []*exec.Cmd
	addrs []string
}

// StartRedisCluster starts masters redis-server nodes in cluster mode,
// joins them with `redis-cli --cluster create` (the slots spread over the
// masters) and waits until every node reports cluster_state:ok. Without
// redis-server or redis-cli the test is skipped, or fails under CI=true.
func StartRedisCluster(t testing.TB, masters int) *RedisCluster {
	t.Helper()
	if masters < 3 {
		t.Fatalf("StartRedisCluster: Redis Cluster needs at least 3 masters, not %d", masters)
	}
	server, err := exec.LookPath("redis-server")
	if err != nil {
		SkipOrFail(t, "redis-server is not installed: %v", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		SkipOrFail(t, "redis-cli is not installed: %v", err)
	}
	// Redis 7 takes the cluster bus port as cluster-port; older servers use
	// the client port + 10000.
	busFlag := redisMajorVersion(server) >= 7

	c := &RedisCluster{}
	t.Cleanup(c.Kill)
	for range masters {
		port, bus := clusterPorts(t, busFlag)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000",
			"--save", "", "--appendonly", "no", "--dir", t.TempDir()}
		if busFlag {
			args = append(args, "--cluster-port", strconv.Itoa(bus))
		}
		cmd := exec.Command(server, args...)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server on %s: %v", addr, err)
		}
		c.nodes = append(c.nodes, cmd)
		c.addrs = append(c.addrs, addr)
		waitTCP(t, addr, 10*time.Second)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, addr := range c.addrs {
		host, port, _ := net.SplitHostPort(addr)
		for {
			out, err := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "cluster", "info").CombinedOutput()
			if err == nil && strings.Contains(string(out), "cluster_state:ok") {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("redis cluster node %s not ok within 60 s: %v\n%s", addr, err, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return c
}

// Addrs returns the nodes' host:port.
func (c *RedisCluster) Addrs() []string { return append([]string(nil), c.addrs...) }

// URL returns the cluster's redis+cluster:// URL, every node a seed.
func (c *RedisCluster) URL() string { return "redis+cluster://" + strings.Join(c.addrs, ",") }

// Signal sends sig to node i (SIGSTOP freezes it, SIGCONT thaws it).
func (c *RedisCluster) Signal(i int, sig os.Signal) error {
	return c.nodes[i].Process.Signal(sig)
}

// Kill stops every node with SIGKILL.
func (c *RedisCluster) Kill() {
	for _, cmd := range c.nodes {
		if cmd.Process != nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	c.nodes = nil
}

// redisMajorVersion reads "Redis server v=7.0.15 ..." (0 when unknown).
func redisMajorVersion(server string) int {
	out, err := exec.Command(server, "--version").Output()
	if err != nil {
		return 0
	}
	_, v, ok := strings.Cut(string(out), "v=")
	if !ok {
		return 0
	}
	major, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(major)
	return n
}

// clusterPorts returns a free client port and a free bus port: any free
// port when the server takes cluster-port, else the client port + 10000.
func clusterPorts(t testing.TB, busFlag bool) (port, bus int) {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		var lb net.Listener
		if busFlag {
			lb, err = net.Listen("tcp", "127.0.0.1:0")
		} else if port+10000 <= 65535 {
			lb, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
		} else {
			err = fmt.Errorf("bus port out of range")
		}
		l.Close()
		if err == nil {
			bus = lb.Addr().(*net.TCPAddr).Port
			lb.Close()
			return port, bus
		}
	}
	t.Fatal("no free pair of ports for a redis cluster node")
	return 0, 0
}

func waitTCP(t testing.TB, addr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
