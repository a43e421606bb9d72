package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Domain is a row of accounts_domains with its category's label.
type Domain struct {
	ID            int64
	Domain        string
	TLD           string
	Status        int // DomainNew, DomainModerated, DomainVerified, DomainBlocked
	Flagged       bool
	FlaggedSource string
	OrgID         *int64
	Category      *string // the label of accounts_domain_category
	Created       time.Time
	Updated       time.Time
	// Counters, kept by the update-domain-status job.
	NumUsers, NumActive, NumInactive, NumConfirmed, NumVerified, NumBlocked int64
}

// DomainStatuses are the names of the statuses, by number (index 0 unused).
var domainStatuses = []string{"", "new", "moderated", "verified", "blocked"}

// DomainStatusNames lists the status names in order.
func DomainStatusNames() []string { return domainStatuses[1:] }

// DomainStatusName returns a status' name ("new", ...), or "" for none.
func DomainStatusName(status int) string {
	if status < 1 || status >= len(domainStatuses) {
		return ""
	}
	return domainStatuses[status]
}

// ParseDomainStatus returns the number of a status name.
func ParseDomainStatus(name string) (int, bool) {
	i := slices.Index(domainStatuses, name)
	return i, i > 0
}

// DomainSorts are the accepted sort orders of the domain list ("": domain).
var DomainSorts = []string{"domain", "-domain", "num_users", "-num_users", "created", "-created"}

// DomainQuery selects domains.
type DomainQuery struct {
	Q       string // a part of the domain name
	Status  int    // 0: any
	Flagged *bool
	Sort    string
	Page    int
	Size    int
}

// Limit returns the page size.
func (q DomainQuery) Limit() int { return pageLimit(q.Size) }

// Offset returns the row offset of the page.
func (q DomainQuery) Offset() int { return pageOffset(q.Page, q.Size) }

// DomainChange is a partial update of a domain: nil fields are kept. With
// SetCategory, Category (a label, nil for none) replaces the category; a
// label without a row gets one.
type DomainChange struct {
	Status        *int
	Flagged       *bool
	FlaggedSource *string
	SetCategory   bool
	Category      *string
}

// DomainAdminStore reads and writes accounts_domains for the
// administration.
type DomainAdminStore interface {
	// Domains returns a page of domains and the total.
	Domains(ctx context.Context, q DomainQuery) ([]Domain, int, error)
	// DomainByName returns a domain. ENotFound.
	DomainByName(ctx context.Context, name string) (*Domain, error)
	// CreateDomain inserts d with zero counters and sets d.ID. EConflict
	// when the domain exists.
	CreateDomain(ctx context.Context, d *Domain) error
	// UpdateDomain applies ch to the domain of that id, column by column
	// (concurrent changes to other fields are kept), and sets updated.
	// ENotFound.
	UpdateDomain(ctx context.Context, id int64, ch DomainChange, now time.Time) error
	// DomainCategories returns the category labels in order.
	DomainCategories(ctx context.Context) ([]string, error)
}

// Messages about domains.
const (
	MsgDomainInvalid  = "Not a valid domain name."
	MsgDomainExists   = "The domain exists already."
	MsgDomainNotFound = "Domain not found."
	MsgDomainStatus   = "The status must be one of new, moderated, verified, blocked."
)

// NormalizeDomain returns a domain as Invenio stores it (lower-cased,
// trimmed, without a trailing dot) and its TLD. EInvalid on field "domain".
func NormalizeDomain(raw string) (domain, topLevel string, err error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
	// Invenio accepts a single label, which is its own TLD.
	if d == "" || !(validDomain(d) || (!strings.Contains(d, ".") && validDomain(d+".invalid"))) {
		return "", "", FieldError("domain", MsgDomainInvalid)
	}
	return d, tld(d), nil
}

// Domains returns a page of domains and the total. EInvalid for an unknown
// sort, a bad page or size.
func (s *Service) Domains(ctx context.Context, q DomainQuery) ([]Domain, int, error) {
	if q.Sort != "" && !slices.Contains(DomainSorts, q.Sort) {
		return nil, 0, FieldError("sort", fmt.Sprintf("Unknown sort order %q.", q.Sort))
	}
	if err := checkPage(q.Page, q.Size); err != nil {
		return nil, 0, err
	}
	as, err := s.adminStore()
	if err != nil {
		return nil, 0, err
	}
	return as.Domains(ctx, q)
}

// Domain returns a domain by name (normalised). ENotFound.
func (s *Service) Domain(ctx context.Context, name string) (*Domain, error) {
	as, err := s.adminStore()
	if err != nil {
		return nil, err
	}
	d, err := as.DomainByName(ctx, strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), "."))
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, MsgDomainNotFound)
	}
	return d, err
}

// CreateDomain creates a domain (status new unless ch says otherwise).
// Errors: EInvalid, EConflict (MsgDomainExists).
func (s *Service) CreateDomain(ctx context.Context, name string, ch DomainChange) (*Domain, error) {
	domain, topLevel, err := NormalizeDomain(name)
	if err != nil {
		return nil, err
	}
	if err := checkDomainChange(&ch); err != nil {
		return nil, err
	}
	as, err := s.adminStore()
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &Domain{Domain: domain, TLD: topLevel, Status: DomainNew, Created: now, Updated: now}
	if err := as.CreateDomain(ctx, d); err != nil {
		if ErrorCode(err) == EConflict {
			return nil, FieldError("domain", MsgDomainExists)
		}
		return nil, fmt.Errorf("create domain: %w", err)
	}
	if ch != (DomainChange{}) {
		if err := as.UpdateDomain(ctx, d.ID, ch, now); err != nil {
			return nil, fmt.Errorf("create domain: %w", err)
		}
	}
	return as.DomainByName(ctx, domain)
}

// UpdateDomain applies a partial change to a domain. Errors: EInvalid,
// ENotFound.
func (s *Service) UpdateDomain(ctx context.Context, name string, ch DomainChange) (*Domain, error) {
	if err := checkDomainChange(&ch); err != nil {
		return nil, err
	}
	d, err := s.Domain(ctx, name)
	if err != nil {
		return nil, err
	}
	as, _ := s.adminStore()
	if err := as.UpdateDomain(ctx, d.ID, ch, s.now()); err != nil {
		return nil, fmt.Errorf("update domain: %w", err)
	}
	return as.DomainByName(ctx, d.Domain)
}

// DomainCategories returns the category labels.
func (s *Service) DomainCategories(ctx context.Context) ([]string, error) {
	as, err := s.adminStore()
	if err != nil {
		return nil, err
	}
	return as.DomainCategories(ctx)
}

// checkDomainChange validates ch and trims its category.
func checkDomainChange(ch *DomainChange) error {
	if ch.Status != nil && DomainStatusName(*ch.Status) == "" {
		return FieldError("status", MsgDomainStatus)
	}
	if ch.FlaggedSource != nil && len(*ch.FlaggedSource) > 255 {
		return FieldError("flagged_source", "At most 255 characters.")
	}
	if ch.Category != nil {
		c := strings.TrimSpace(*ch.Category)
		if c == "" || len(c) > 255 {
			return FieldError("category", "A category is 1 to 255 characters, or null.")
		}
		ch.Category = &c
	}
	return nil
}
