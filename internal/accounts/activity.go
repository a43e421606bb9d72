package accounts

import (
	"context"
	"time"
)

// SessionActivity is a row of accounts_user_session_activity: one per
// logged-in session, keyed by the session's derived id (never the token).
type SessionActivity struct {
	SID            string
	UserID         int64
	Created        time.Time // the login time
	Updated        time.Time // last seen
	IP             *string
	Country        *string
	Browser        *string
	BrowserVersion *string
	OS             *string
	Device         *string
}

// ActivityStore keeps session-activity rows (sqlstore implements it).
type ActivityStore interface {
	// CreateSessionActivity inserts a row. EConflict when the sid exists.
	CreateSessionActivity(ctx context.Context, a *SessionActivity) error
	// SessionActivity returns one row. ENotFound.
	SessionActivity(ctx context.Context, sid string) (*SessionActivity, error)
	// UserSessionActivities returns a user's rows, newest first.
	UserSessionActivities(ctx context.Context, userID int64) ([]SessionActivity, error)
	// TouchSessionActivity sets a row's updated (last seen) and, when ip is
	// not nil, its ip.
	TouchSessionActivity(ctx context.Context, sid string, at time.Time, ip *string) error
	// DeleteSessionActivity deletes a row; deleted is false when none was.
	DeleteSessionActivity(ctx context.Context, sid string) (deleted bool, err error)
}
