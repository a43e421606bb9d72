package accounts

import (
	"context"
	"time"
)

// DefaultUserCacheTTL is how long SessionUser may answer from its cache
// without reading the database again (ACCOUNTS_USER_CACHE_TTL). It bounds
// how stale a node's view of a user gets after a change no invalidation
// reached (a CLI on another machine, a lost message).
const DefaultUserCacheTTL = 2 * time.Second

// maxCachedUsers bounds the cache (when full it is emptied).
const maxCachedUsers = 100_000

// ChangeNotifier tells the other nodes that a user changed, so that they
// drop it from their caches (the Redis session store implements it with
// pub/sub). A failure is logged by the caller and otherwise ignored: the
// cache's TTL bounds the staleness.
type ChangeNotifier interface {
	UserChanged(ctx context.Context, userID int64) error
	// AllUsersChanged is sent when a change touches many users (a role
	// renamed).
	AllUsersChanged(ctx context.Context) error
}

// cachedUser is an entry of the user cache (Service.users): immutable,
// readers get copies.
type cachedUser struct {
	user  User
	roles []Role
}

// SessionUser returns a logged-in session's user and its roles, reading the
// database at most once per user every UserCacheTTL (the hot path of every
// authenticated request). Changes made through this service are seen at
// once here, and on the other nodes as soon as the ChangeNotifier's message
// arrives; other changes within the TTL. Use FindUser where a decision
// needs the stored row (a password check, an update). ENotFound.
func (s *Service) SessionUser(ctx context.Context, id int64) (*User, []Role, error) {
	now := s.now()
	e, epoch, ok := s.users.Get(id, now)
	if ok {
		u := e.user
		return &u, e.roles, nil
	}
	u, err := s.FindUser(ctx, UserRef(itoa(id)))
	if err != nil {
		return nil, nil, err
	}
	roles, err := s.store.UserRoles(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if roles == nil {
		roles = []Role{} // read: none, as opposed to not read
	}
	s.users.Put(id, cachedUser{user: *u, roles: roles}, now, epoch)
	return u, roles, nil
}

// ForgetUser drops a user from the cache (a change announced by another
// node).
func (s *Service) ForgetUser(id int64) { s.users.Forget(id) }

// ForgetUsers empties the cache (a change to many users, or a lost
// connection to the other nodes' announcements).
func (s *Service) ForgetUsers() { s.users.ForgetAll() }

// announceTimeout bounds one announcement to the other nodes.
const announceTimeout = 2 * time.Second

// userChanged drops the user here and tells the other nodes.
func (s *Service) userChanged(ctx context.Context, id int64) {
	s.users.Forget(id)
	s.announce(ctx, func(c ChangeNotifier, ctx context.Context) error { return c.UserChanged(ctx, id) })
}

// usersChanged empties the cache here and tells the other nodes.
func (s *Service) usersChanged(ctx context.Context) {
	s.users.ForgetAll()
	s.announce(ctx, func(c ChangeNotifier, ctx context.Context) error { return c.AllUsersChanged(ctx) })
}

// announce tells the other nodes beside the caller, so that a slow or
// frozen Redis delays no answer: the change is already committed, and the
// cache's TTL bounds what a lost announcement costs. WaitAnnouncements
// waits for those under way.
func (s *Service) announce(ctx context.Context, send func(ChangeNotifier, context.Context) error) {
	c := s.opts.Changes
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), announceTimeout)
	s.announcing.Go(func() {
		defer cancel()
		if err := send(c, ctx); err != nil {
			s.logChangeError(err)
		}
	})
}

// WaitAnnouncements returns once the changes made so far have been
// announced to the other nodes (or given up on): a command calls it before
// it exits.
func (s *Service) WaitAnnouncements() { s.announcing.Wait() }

func (s *Service) logChangeError(err error) {
	if s.opts.Logger != nil {
		s.opts.Logger.Warn("could not announce a user change to the other nodes; they see it within the cache TTL",
			"err", err, "ttl", s.users.TTL())
	}
}

// notifyingStore is the service's view of its Store: every write that
// changes what SessionUser returns drops the user from the cache (here and,
// through the ChangeNotifier, on the other nodes) once it succeeded.
type notifyingStore struct {
	Store
	s *Service
}

func (n notifyingStore) UpdateUser(ctx context.Context, u *User, endSessions bool) ([]string, error) {
	sids, err := n.Store.UpdateUser(ctx, u, endSessions)
	n.s.userChanged(ctx, u.ID)
	return sids, err
}

func (n notifyingStore) RecordLogin(ctx context.Context, rec LoginRecord) error {
	err := n.Store.RecordLogin(ctx, rec)
	n.s.userChanged(ctx, rec.User.ID)
	return err
}

func (n notifyingStore) AddUserRole(ctx context.Context, userID int64, roleID string) error {
	err := n.Store.AddUserRole(ctx, userID, roleID)
	n.s.userChanged(ctx, userID)
	return err
}

func (n notifyingStore) RemoveUserRole(ctx context.Context, userID int64, roleID string) error {
	err := n.Store.RemoveUserRole(ctx, userID, roleID)
	n.s.userChanged(ctx, userID)
	return err
}
