package session

import (
	"context"
	"errors"
	"fmt"
)

// ErrInvalidID is returned by Revoke for an id that is not a derived id.
var ErrInvalidID = errors.New("session: invalid session id")

// Revoke ends the session stored under the derived id (Session.ID, the
// activity table's sid_s) on every node sharing the store. Revoking an
// absent session is not an error. It returns ErrInvalidID for an id not in
// the derived shape, or the store's error.
func (m *Manager) Revoke(ctx context.Context, id string) error {
	if !IsID(id) {
		return ErrInvalidID
	}
	if err := m.store.Delete(ctx, id); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeUser ends every session of the user at once, on every node sharing
// the store, including sessions no database row lists: it bumps the user's
// generation. It returns ErrNotSupported when the store does not implement
// UserRevoker, or the store's error.
func (m *Manager) RevokeUser(ctx context.Context, userID int64) error {
	if m.revoker == nil {
		return ErrNotSupported
	}
	if _, err := m.revoker.BumpUserGeneration(ctx, userID, m.generationTTL()); err != nil {
		return fmt.Errorf("revoke user sessions: %w", err)
	}
	return nil
}

// EndUserSessions ends every session of the user (block, deactivate,
// logout everywhere): it bumps the user's generation and deletes the
// records of ids, the derived ids of the user's activity rows (ids of
// another shape, such as Invenio's own sid_s, are skipped: nothing is
// stored under them). It implements accounts.SessionEnder and returns the
// errors of RevokeUser and of the deletions, joined.
func (m *Manager) EndUserSessions(ctx context.Context, userID int64, ids []string) error {
	errs := []error{m.RevokeUser(ctx, userID)}
	for _, id := range ids {
		if IsID(id) {
			errs = append(errs, m.Revoke(ctx, id))
		}
	}
	return errors.Join(errs...)
}

// RevokeOthers ends every other session of s's user (after a password
// change) and renews s, which the next Save stores under the new
// generation. Save s afterwards. For an anonymous session it does nothing.
// It returns RevokeUser's error.
func (m *Manager) RevokeOthers(ctx context.Context, s *Session) error {
	if s.rec.UserID == 0 {
		return nil
	}
	if err := m.RevokeUser(ctx, s.rec.UserID); err != nil {
		return err
	}
	s.rec.Generation = 0
	m.Renew(s)
	return nil
}
