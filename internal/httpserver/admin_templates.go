package httpserver

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

// adminPageNames are the admin pages; each is templates/admin/NAME.html
// (overridable in ACCOUNTS_TEMPLATE_DIR) parsed with admin/base.html.
var adminPageNames = []string{"dashboard", "users", "user", "roles", "role", "sessions", "domains", "domain", "audit"}

// adminPages holds the parsed admin pages, or the error that kept them from
// parsing (a broken override): the pages then answer 500 and log it.
type adminPages struct {
	byName map[string]*template.Template
	err    error
}

var adminFuncs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("2006-01-02 15:04 UTC")
			}
		}
		return "—"
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"pathEscape":   url.PathEscape,
	"statusName":   accounts.DomainStatusName,
	"orUnknown":    func(s string) string { return cmpOr(s, "Unknown") },
	"domainStatus": accounts.DomainStatusNames,
	"states":       userStates,
	"sessionTable": func(rows []adminSessionRow, csrf, back string, showUser bool) sessionTable {
		return sessionTable{Rows: rows, CSRF: csrf, Back: back, ShowUser: showUser}
	},
}

// sessionTable is the data of the "session_table" template.
type sessionTable struct {
	Rows     []adminSessionRow
	CSRF     string
	Back     string // where the revoke form returns
	ShowUser bool
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// loadAdminPages parses the admin pages. Failures are kept and logged, not
// fatal: the rest of the service works without the admin pages.
func loadAdminPages(set Settings, log *slog.Logger) *adminPages {
	p := &adminPages{byName: map[string]*template.Template{}}
	base, err := readTemplate(set.TemplateDir, "admin/base.html")
	if err != nil {
		p.err = err
		log.Error("admin pages unavailable", "err", err)
		return p
	}
	for _, name := range adminPageNames {
		body, err := readTemplate(set.TemplateDir, "admin/"+name+".html")
		if err == nil {
			t := template.New("base").Funcs(adminFuncs)
			if _, err = t.Parse(base); err == nil {
				_, err = t.New(name).Parse(body)
			}
			p.byName[name] = t
		}
		if err != nil {
			p.err = fmt.Errorf("admin template %s: %w", name, err)
			log.Error("admin pages unavailable", "err", p.err)
			return p
		}
	}
	return p
}

// adminData is what every admin page template gets; Page holds the page's
// own data.
type adminData struct {
	Site      string
	Title     string
	Section   string
	Me        *accounts.User
	Flashes   []session.Flash
	CSRF      string
	LogoutURL string
	Here      string // this page's path and query, for forms to come back to
	Page      any
}

// render writes an admin page for the admin me.
func (a *admin) render(w http.ResponseWriter, r *http.Request, me *accounts.User, name, title string, page any) {
	s := a.s
	if a.pages.err != nil {
		s.serverError(w, r, a.pages.err)
		return
	}
	section := cmpOr(map[string]string{"user": "users", "role": "roles", "domain": "domains"}[name], name)
	data := adminData{Site: s.set.SiteName, Title: title, Section: section, Me: me,
		Flashes: stateOf(r).sess.PopFlashes(), CSRF: s.csrfToken(w, r), LogoutURL: s.set.LogoutURL,
		Here: r.URL.RequestURI(), Page: page}
	var buf bytes.Buffer
	if err := a.pages.byName[name].ExecuteTemplate(&buf, "base", data); err != nil {
		s.serverError(w, r, fmt.Errorf("render admin %s: %w", name, err))
		return
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// handleStylesheet handles "GET /admin/admin.css": the site's stylesheet
// and the admin's additions, as one file.
func (a *admin) handleStylesheet(w http.ResponseWriter, r *http.Request) {
	site, err1 := fs.ReadFile(assets, "static/accounts.css")
	extra, err2 := fs.ReadFile(assets, "templates/admin/admin.css")
	if err1 != nil || err2 != nil {
		a.s.serverError(w, r, fmt.Errorf("admin stylesheet: %v %v", err1, err2))
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(append(append(site, '\n'), extra...))
}
