package httpserver

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/invenio-go/accounts/internal/accounts"
	"github.com/invenio-go/accounts/internal/session"
)

//go:embed templates static
var assets embed.FS

// Page names and the template each one uses unless a setting names another
// (SECURITY_LOGIN_USER_TEMPLATE, SECURITY_REGISTER_USER_TEMPLATE,
// ACCOUNTS_BASE_TEMPLATE, ...).
var defaultTemplates = map[string]string{
	"base":              "invenio_accounts/base.html",
	"home":              "invenio_accounts/home.html",
	"login_user":        "invenio_accounts/login_user.html",
	"verify_user":       "invenio_accounts/verify_user.html",
	"register_user":     "invenio_accounts/register_user.html",
	"logout_user":       "invenio_accounts/logout_user.html",
	"settings_security": "invenio_accounts/settings/security.html",
	"change_password":   "invenio_accounts/change_password.html",
	"forgot_password":   "invenio_accounts/forgot_password.html",
	"reset_password":    "invenio_accounts/reset_password.html",
	"send_confirmation": "invenio_accounts/send_confirmation.html",
	"confirm_email":     "invenio_accounts/confirm_email.html",
	"two_factor_verify": "invenio_accounts/two_factor_verify_code.html",
	"two_factor_setup":  "invenio_accounts/two_factor_setup.html",
}

// pages holds each page parsed with the base layout.
type pages struct{ byName map[string]*template.Template }

// loadPages parses every page. A template name is looked up in
// set.TemplateDir first, then among the embedded templates; an absolute
// path names one file.
func loadPages(set Settings) (*pages, error) {
	name := func(page string) string {
		if n := set.Templates[page]; n != "" {
			return n
		}
		return defaultTemplates[page]
	}
	base, err := readTemplate(set.TemplateDir, name("base"))
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for page := range defaultTemplates {
		if page == "base" {
			continue
		}
		body, err := readTemplate(set.TemplateDir, name(page))
		if err != nil {
			return nil, err
		}
		t, err := template.New("base").Parse(base)
		if err == nil {
			_, err = t.New(page).Parse(body)
		}
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name(page), err)
		}
		p.byName[page] = t
	}
	return p, nil
}

func readTemplate(dir, name string) (string, error) {
	if filepath.IsAbs(name) {
		b, err := os.ReadFile(name)
		return string(b), err
	}
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path.Clean("/"+name))))
		if err == nil {
			return string(b), nil
		}
		if !os.IsNotExist(err) {
			return "", err
		}
	}
	b, err := fs.ReadFile(assets, path.Join("templates", path.Clean("/"+name)))
	if err != nil {
		return "", fmt.Errorf("template %s: not in ACCOUNTS_TEMPLATE_DIR nor built in", name)
	}
	return string(b), nil
}

// form is a form's submitted values and its errors.
type form struct {
	Values map[string]string
	Errors map[string]string
	Error  string // an error not tied to a field
}

// Value returns a submitted value.
func (f *form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Err returns the error of a field.
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// pageData is what every page template gets.
type pageData struct {
	Site         string
	Title        string
	User         *accounts.User
	Flashes      []session.Flash
	CSRF         string
	Form         *form
	URLs         pageURLs
	Registerable bool
	Recoverable  bool
	LocalLogin   bool
	PasswordMin  int
	Sessions     []sessionView
	RecaptchaKey string // the site key, when sign-up shows the widget
	Attribution  *Attribution
	TwoFactor    *twoFactorSetupView // the setup page
}

// Attribution is the credit a data source (the GeoIP database) requires.
type Attribution struct{ Text, URL string }

type pageURLs struct {
	Login, Logout, Register, Change, Reset, Confirm, Verify string
	// TwoFactorSetup and TwoFactorValidate are "" when two-factor
	// authentication is off.
	TwoFactorSetup, TwoFactorValidate string
}

// render writes a page: the session is saved (flashes popped), the template
// rendered into a buffer, then sent with the status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, f *form) {
	s.renderWith(w, r, status, page, f, nil)
}

// renderWith is render with a hook that adds page-specific data.
func (s *Server) renderWith(w http.ResponseWriter, r *http.Request, status int, page string, f *form, more func(*pageData)) {
	st := stateOf(r)
	user, err := s.currentUser(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := pageData{
		Site: s.set.SiteName, User: user, Form: f, CSRF: s.csrfToken(w, r),
		Flashes: st.sess.PopFlashes(), Registerable: s.set.Registerable, Recoverable: s.set.Recoverable, LocalLogin: s.set.LocalLoginEnabled,
		URLs: pageURLs{Login: s.set.LoginURL, Logout: s.set.LogoutURL, Register: s.set.RegisterURL,
			Change: s.set.ChangeURL, Reset: s.set.ResetURL, Confirm: s.set.ConfirmURL, Verify: s.set.VerifyURL},
		PasswordMin: s.opts.PasswordMin, Attribution: s.opts.GeoAttribution,
	}
	if s.set.TwoFactor {
		data.URLs.TwoFactorSetup, data.URLs.TwoFactorValidate = s.set.TwoFactorSetupURL, s.set.TwoFactorValidationURL
	}
	if page == "register_user" {
		s.recaptchaPage(w, &data)
	}
	if more != nil {
		more(&data)
	}
	var buf bytes.Buffer
	if err := s.pages.byName[page].ExecuteTemplate(&buf, "base", data); err != nil {
		s.serverError(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	if err := s.saveSession(w, r); err != nil {
		s.sessionError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Every page carries a CSRF token (and some a reset token in their URL):
	// never stored by a cache.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// handleStylesheet handles "GET /static/accounts.css".
func (s *Server) handleStylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, assets, "static/accounts.css")
}
