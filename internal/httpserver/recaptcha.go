package httpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// reCAPTCHA on sign-up (HTML and REST) when both keys are set, verified
// server-side as Flask-WTF's RecaptchaField does; RECAPTCHA_VERIFY_URL
// points the check elsewhere (tests use a local fake).
const (
	recaptchaField      = "g-recaptcha-response"
	defaultRecaptchaURL = "https://www.google.com/recaptcha/api/siteverify"
	msgRecaptchaMissing = "The response parameter is missing."
	msgRecaptchaInvalid = "The response parameter is invalid or malformed."
	msgRecaptchaFailed  = "The reCAPTCHA could not be verified. Please try again."
)

// recaptchaOn reports whether sign-up asks for a reCAPTCHA.
func (s *Server) recaptchaOn() bool {
	return s.set.RecaptchaPublicKey != "" && s.set.RecaptchaPrivateKey != ""
}

// verifyRecaptcha checks the answer at the verify URL. It returns "" when
// the answer is good, else the message for the form; an unreachable or
// failing verifier refuses (fail closed) and is logged.
func (s *Server) verifyRecaptcha(ctx context.Context, answer, ip string) string {
	if !s.recaptchaOn() {
		return ""
	}
	if answer == "" {
		return msgRecaptchaMissing
	}
	endpoint := s.set.RecaptchaVerifyURL
	if endpoint == "" {
		endpoint = defaultRecaptchaURL
	}
	form := url.Values{"secret": {s.set.RecaptchaPrivateKey}, "response": {answer}}
	if ip != "" {
		form.Set("remoteip", ip)
	}
	ok, err := postRecaptcha(ctx, endpoint, form)
	if err != nil {
		s.opts.Logger.Error("reCAPTCHA verification failed", "err", err)
		return msgRecaptchaFailed
	}
	if !ok {
		return msgRecaptchaInvalid
	}
	return ""
}

func postRecaptcha(ctx context.Context, endpoint string, form url.Values) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("verify URL answered %s", resp.Status)
	}
	var v struct {
		Success bool `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&v); err != nil {
		return false, fmt.Errorf("verify URL: %w", err)
	}
	return v.Success, nil
}

// recaptchaCSP is the page's Content-Security-Policy when the widget is on
// it: Google's script and frame, nothing else.
const recaptchaCSP = "default-src 'self'; script-src 'self' https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/; " +
	"frame-src https://www.google.com/recaptcha/ https://recaptcha.google.com/recaptcha/; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"
