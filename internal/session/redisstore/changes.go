package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Changes announces that a user changed to every node sharing the Redis
// (PUBLISH on "<prefix>user-changes"), so that each drops the user from its
// cache; it implements accounts.ChangeNotifier, and Listen receives. Pub/sub
// delivers at most once: a node that was disconnected empties its cache
// when it subscribes again, and the cache's TTL bounds what a lost message
// costs.
type Changes struct {
	client  redis.UniversalClient
	channel string
}

// allUsers is the message for a change to every user.
const allUsers = "*"

// Changes returns the announcer and listener on the store's client.
func (s *Store) Changes() *Changes {
	return &Changes{client: s.client, channel: s.prefix + "user-changes"}
}

// UserChanged announces a change to one user.
func (c *Changes) UserChanged(ctx context.Context, userID int64) error {
	return c.publish(ctx, strconv.FormatInt(userID, 10))
}

// AllUsersChanged announces a change to every user.
func (c *Changes) AllUsersChanged(ctx context.Context) error {
	return c.publish(ctx, allUsers)
}

func (c *Changes) publish(ctx context.Context, msg string) error {
	if err := c.client.Publish(ctx, c.channel, msg).Err(); err != nil {
		return fmt.Errorf("redisstore: announce a user change: %w", err)
	}
	return nil
}

// Listen receives the announcements until ctx ends: forget(id) for a user,
// forgetAll for every user, and forgetAll each time the subscription
// starts or restarts (what was announced meanwhile is lost). ready, if not
// nil, is closed once the first subscription is confirmed. Connection
// errors are retried (with a pause of up to retry); errorf, if not nil,
// hears them.
func (c *Changes) Listen(ctx context.Context, forget func(int64), forgetAll func(), ready chan<- struct{}, retry time.Duration, errorf func(error)) {
	ps := c.client.Subscribe(ctx, c.channel)
	defer ps.Close()
	// Receive does not return when ctx ends while it waits for a message;
	// closing the subscription makes it.
	defer context.AfterFunc(ctx, func() { ps.Close() })()
	pause := 10 * time.Millisecond
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			forgetAll()
			if errorf != nil {
				errorf(fmt.Errorf("redisstore: user changes: %w", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, retry)
			continue
		}
		pause = 10 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				forgetAll()
				if ready != nil {
					close(ready)
					ready = nil
				}
			}
		case *redis.Message:
			if m.Payload == allUsers {
				forgetAll()
			} else if id, err := strconv.ParseInt(m.Payload, 10, 64); err == nil {
				forget(id)
			} else {
				forgetAll() // not ours to read: be safe
			}
		}
	}
}
