package gateway

import "html/template"

// Page data handed to the web templates. The web package renders these by
// template name; the gateway never builds HTML itself.

// Template names the gateway renders.
const (
	PageLogin   = "login"
	PagePortal  = "portal"
	PageDenied  = "denied"
	PageConsole = "console"
	PageError   = "error"
	PageSecond  = "second"
)

// LoginFields are the values of the sign-in form (PSWA §4.1). The password
// fields are never echoed back.
type LoginFields struct {
	UserName          string
	Target            string // the picked published tile (its ID)
	ComputerName      string
	ConnectionURI     string
	UseURI            bool // the form shows the URI field instead of the computer name
	AltUserName       string
	ConfigurationName string
	Authentication    string // default|basic|negotiate|kerberos|credssp
	UseSSL            bool
	Port              string
	SSLPort           string // defaults only: the port used with SSL
	ApplicationName   string
	AllowRedirection  bool
}

// LoginPage is the data of the sign-in page.
type LoginPage struct {
	Fields LoginFields
	// Errors maps a field name (the form's input name) to its field-level
	// message; the key "" holds the generic page message ("Access denied").
	Errors map[string]string
	// CSRF is the synchronizer token for the hidden "csrf" input.
	CSRF string
	// Defaults are the configured defaults shown as placeholders.
	Defaults LoginFields
	// AllowFreeTarget false hides the computer name / URI fields.
	AllowFreeTarget bool
	// Published targets may be picked on the sign-in form too.
	Published []PublishedTarget
	// RequestID is shown with a refused sign-in, so that an admin can find
	// the audit line; "" on the plain form.
	RequestID string
}

// PublishedTarget is a tile of portal.published.
type PublishedTarget struct {
	ID                string // stable index used by the form ("target" value)
	Name              string // display name
	ComputerName      string
	ConfigurationName string
	Description       string
}

// SessionRow is one console session listed on the portal.
type SessionRow struct {
	ID                string
	Name              string // user.yyMMdd.HHmmss
	Target            string
	ConfigurationName string
	State             string // active|disconnected
	Started           string // server time with zone; the page shows the browser's local time
	StartedISO        string // RFC 3339 (UTC), for the <time> element the page localises
	Idle              string
}

// PortalPage is the data of the portal (after sign-in). Its new-session
// form has the target fields of the sign-in page (the same names as
// LoginPage, so both pages share one template) plus a tile selector.
type PortalPage struct {
	User      string
	Sessions  []SessionRow
	Published []PublishedTarget
	// AllowFreeTarget false hides the computer name / URI fields and all
	// optional settings but the destination credentials.
	AllowFreeTarget bool
	// Fields are the values of the new-session form (re-filled, passwords
	// never, when POST /sessions refuses it).
	Fields LoginFields
	// Defaults are the configured defaults shown as placeholders.
	Defaults LoginFields
	// Errors maps a field name to its field-level message; the key ""
	// holds a page message.
	Errors map[string]string
	CSRF   string
	// Notice is a one-line message (e.g. "Your sessions could not be listed").
	Notice string
	// CapReached: a new session was refused because the user has
	// SessionCap sessions open; the page says so above the list.
	CapReached bool
	SessionCap int
}

// ConsolePage is the data of the console page; the script connects to
// WebSocketURL (relative, same origin) with the csrf query parameter.
type ConsolePage struct {
	User         string
	SessionID    string
	SessionName  string
	Target       string
	WebSocketURL string
	CSRF         string
}

// DeniedPage is the generic "Access denied" page; RequestID lets an admin
// find the audit line with the real reason.
type DeniedPage struct {
	RequestID string
	Message   string // "Access denied" unless the session cap says so plainly
}

// SecondPage is the second step of a sign-in: the code form, the TOTP
// enrolment (QR code and manual key, the admin's code when required), or,
// once enrolled, the recovery codes shown once.
type SecondPage struct {
	User string
	CSRF string
	// Enrol shows the enrolment: QR is a data: URL of a PNG the gateway
	// rendered (template.URL: html/template would refuse a data: URL),
	// Secret the manual key.
	Enrol         bool
	QR            template.URL
	Secret        string
	NeedAdminCode bool
	// Recovery are the new recovery codes (the user is signed in).
	Recovery []string
	// Error is "Access denied" after a refused code; RequestID finds its
	// audit line.
	Error     string
	RequestID string
}
