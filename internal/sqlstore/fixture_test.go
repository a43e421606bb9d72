package sqlstore_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/password"
	"github.com/invenio-go/accounts/internal/sqlstore"
	"github.com/invenio-go/accounts/internal/sqlstore/sqltest"
)

// fixture is testdata/invenio-db.json: the plain passwords of the users in
// testdata/invenio-db.sql, a database made by Invenio at alembic head.
type fixture struct {
	SecretKey    string `json:"SECRET_KEY"`
	PasswordSalt string `json:"SECURITY_PASSWORD_SALT"`
	Users        []struct {
		ID        int64
		Email     string
		Password  *string
		Scheme    *string
		Active    bool
		Confirmed bool
		Blocked   bool
		Note      string
	}
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	var f fixture
	b, err := os.ReadFile("../../testdata/invenio-db.json")
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// restoreInvenioFixture loads testdata/invenio-db.sql into a fresh
// PostgreSQL database.
func restoreInvenioFixture(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), sqlstore.Postgres, sqltest.NewInvenioDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// invenioTables lists Invenio's tables and a column that orders their rows.
var invenioTables = map[string]string{
	"accounts_role": "id", "accounts_user": "id", "accounts_userrole": "user_id, role_id",
	"accounts_user_login_information": "user_id", "accounts_user_session_activity": "sid_s",
	"accounts_useridentity": "id", "accounts_domain_category": "id", "accounts_domain_org": "id",
	"accounts_domains": "id", "alembic_version": "version_num",
}

// snapshot returns every row of Invenio's tables as JSON text.
func snapshot(t *testing.T, db *sqlstore.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, order := range invenioTables {
		rows, err := db.SQL().Query(`SELECT row_to_json(t)::text FROM ` + table + ` t ORDER BY ` + order)
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], s)
		}
		rows.Close()
	}
	return out
}

func TestInvenioFixtureMigratesUntouched(t *testing.T) {
	db := restoreInvenioFixture(t)
	before := snapshot(t, db)
	applied, err := db.Migrate(context.Background())
	if err != nil {
		t.Fatalf("migrate the Invenio database: %v", err)
	}
	if len(applied) == 0 {
		t.Errorf("no migration recorded on the Invenio database")
	}
	if diff := cmp.Diff(before, snapshot(t, db)); diff != "" {
		t.Errorf("migrate changed Invenio rows (-before +after):\n%s", diff)
	}
}

func TestInvenioFixtureLogins(t *testing.T) {
	f := loadFixture(t)
	db := migrated(t, restoreInvenioFixture(t))
	ctx := context.Background()
	h, err := password.New(password.Policy{Salt: []byte(f.PasswordSalt), Rounds: 25000})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(db, h, accounts.Options{Trackable: true, LoginWithoutConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, fu := range f.Users {
		t.Run(fu.Email, func(t *testing.T) {
			before, err := db.UserByID(ctx, fu.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fu.Password == nil {
				_, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: fu.Email, Password: "anything at all"})
				if accounts.ErrorCode(err) != accounts.EUnauthorized {
					t.Errorf("user without a password: %v", err)
				}
				return
			}
			// Addresses are typed in any case; legacy rows are mixed case.
			_, err = svc.Authenticate(ctx, accounts.LoginAttempt{Email: strings.ToUpper(fu.Email), Password: *fu.Password, IP: "192.0.2.7"})
			switch {
			case !fu.Active && accounts.ErrorMessage(err) != accounts.MsgDisabledAccount:
				t.Fatalf("inactive user: %v, want %q after a correct password", err, accounts.MsgDisabledAccount)
			case fu.Active && err != nil:
				t.Fatalf("login: %v", err)
			}
			if _, err := svc.Authenticate(ctx, accounts.LoginAttempt{Email: fu.Email, Password: *fu.Password + "x"}); accounts.ErrorCode(err) != accounts.EUnauthorized {
				t.Errorf("wrong password: %v", err)
			}
			after, _ := db.UserByID(ctx, fu.ID)
			upgraded := *before.Password != *after.Password
			wantUpgrade := fu.Active && (*fu.Scheme == "aes" || *fu.Scheme == "pbkdf2-1000")
			if upgraded != wantUpgrade {
				t.Errorf("hash upgraded = %v, want %v (%.30s → %.30s)", upgraded, wantUpgrade, *before.Password, *after.Password)
			}
			if upgraded && (!strings.HasPrefix(*after.Password, "$pbkdf2-sha512$25000$") || after.VersionID != before.VersionID+1) {
				t.Errorf("upgraded hash %.30s, version %d→%d", *after.Password, before.VersionID, after.VersionID)
			}
			if fu.Active && after.Login.LoginCount != before.Login.LoginCount+1 {
				t.Errorf("login_count %d → %d", before.Login.LoginCount, after.Login.LoginCount)
			}
		})
	}
}

func TestOlderInvenioRevisionIsRefused(t *testing.T) {
	db := restoreInvenioFixture(t)
	mustExec(t, db, `UPDATE alembic_version SET version_num = '6ec5ce377ca3'`)
	_, err := db.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invenio alembic upgrade") {
		t.Errorf("migrate of an older Invenio revision: %v", err)
	}
}
