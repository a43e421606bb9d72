package httpserver

import (
	"net/http"

	"github.com/invenio-go/accounts/internal/accounts"
)

// dashboardDays is how far back the dashboard's daily charts go.
const dashboardDays = 30

// dashboardPage is the data of admin/dashboard.html.
type dashboardPage struct {
	Counts      accounts.UserCounts
	Active      int
	Days        int
	Signups     dayChart
	Logins      dayChart
	Breakdowns  []labelChart
	Attribution *Attribution
}

// handleDashboard handles "GET /admin/": sign-ups and logins per day, the
// active sessions by country, browser, OS and device, and the counts of
// blocked and unconfirmed users.
func (a *admin) handleDashboard(w http.ResponseWriter, r *http.Request) {
	me := a.pageAdmin(w, r)
	if me == nil {
		return
	}
	d, err := a.s.opts.Service.Dashboard(r.Context(), dashboardDays)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	p := dashboardPage{Counts: d.Counts, Active: d.Active, Days: d.Days, Attribution: a.s.opts.GeoAttribution,
		Signups: newDayChart("signups", "Sign-ups per day", d.Signups),
		Logins:  newDayChart("logins", "Logins per day", d.Logins)}
	for _, b := range []struct{ key, id, title string }{
		{accounts.ByCountry, "by-country", "Active sessions by country"},
		{accounts.ByBrowser, "by-browser", "Active sessions by browser"},
		{accounts.ByOS, "by-os", "Active sessions by operating system"},
		{accounts.ByDevice, "by-device", "Active sessions by device"},
	} {
		p.Breakdowns = append(p.Breakdowns, newLabelChart(b.id, b.title, d.Sessions[b.key]))
	}
	a.render(w, r, me, "dashboard", "Dashboard", p)
}
