package accounts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Email-domain statuses of accounts_domains.status.
const (
	DomainNew       = 1
	DomainModerated = 2
	DomainVerified  = 3
	DomainBlocked   = 4
)

// Messages about domains and confirmation (Invenio and Flask-Security).
const (
	MsgDomainBlocked    = "The email domain is blocked."
	MsgEmailConfirmed   = "Thank you. Your email has been confirmed."
	MsgAlreadyConfirmed = "Your email has already been confirmed."
)

// DomainStore reads and creates accounts_domains rows.
type DomainStore interface {
	// DomainStatus returns the status of a domain; found is false when it
	// has no row.
	DomainStatus(ctx context.Context, domain string) (status int, found bool, err error)
	// EnsureDomain creates a domain row with status new unless one exists.
	EnsureDomain(ctx context.Context, domain, tld string, now time.Time) error
}

// CheckDomain refuses an address whose domain is blocked (Invenio's
// registration check). Errors: EInvalid on field "email".
func (s *Service) CheckDomain(ctx context.Context, email string) error {
	ds, ok := s.raw.(DomainStore)
	if !ok {
		return nil
	}
	status, found, err := ds.DomainStatus(ctx, EmailDomain(email))
	if err != nil {
		return fmt.Errorf("check domain: %w", err)
	}
	if found && status == DomainBlocked {
		return FieldError("email", MsgDomainBlocked)
	}
	return nil
}

// Confirm marks the user's email confirmed and applies Invenio's domain
// listener: the domain gets a row (status new) if it has none; a verified
// domain verifies the user, a blocked one blocks them (ending their
// sessions). It returns false when the user was confirmed already.
func (s *Service) Confirm(ctx context.Context, u *User) (bool, error) {
	if u.ConfirmedAt != nil {
		return false, nil
	}
	domain := EmailDomain(u.Email)
	status := DomainNew
	if ds, ok := s.raw.(DomainStore); ok && domain != "" {
		if err := ds.EnsureDomain(ctx, domain, tld(domain), s.now()); err != nil {
			return false, fmt.Errorf("confirm: %w", err)
		}
		st, _, err := ds.DomainStatus(ctx, domain)
		if err != nil {
			return false, fmt.Errorf("confirm: %w", err)
		}
		status = st
	}
	_, _, err := s.change(ctx, UserRef(itoa(u.ID)), func(x *User) (bool, bool) {
		now := s.now()
		x.ConfirmedAt = &now
		switch status {
		case DomainVerified:
			x.VerifiedAt = &now
		case DomainBlocked:
			x.BlockedAt, x.Active, x.VerifiedAt = &now, false, nil
			return true, true
		}
		return true, false
	})
	return err == nil, err
}

func tld(domain string) string {
	if i := strings.LastIndexByte(domain, '.'); i >= 0 {
		return domain[i+1:]
	}
	return domain
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
