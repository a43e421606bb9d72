package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// redisLogger routes go-redis' own messages (dial failures, pool
// warnings) into the service's log instead of its global stderr logger.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.Warn("redis: " + fmt.Sprintf(format, v...))
}

func routeRedisLog(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }
