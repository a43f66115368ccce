package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/psgate/psgate/session"
)

// ErrAdminNotFound is returned (wrapped) by AdminClient when the API
// answers 404 (no such session).
var ErrAdminNotFound = errors.New("not found")

// AdminClient talks to a gateway's admin API (NewAdmin): the client of
// `psgate session` and `psgate msg`.
type AdminClient struct {
	base  string // http://127.0.0.1:9443
	token string
	http  *http.Client
}

// NewAdminClient talks to the admin API at base with the bearer token.
func NewAdminClient(base, token string) *AdminClient {
	return &AdminClient{base: strings.TrimSuffix(base, "/"), token: token, http: &http.Client{Timeout: 5 * time.Minute}}
}

func (c *AdminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var ae AdminError
		_ = json.NewDecoder(resp.Body).Decode(&ae)
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("admin %s %s: %w", method, path, ErrAdminNotFound)
		}
		return fmt.Errorf("admin %s %s: HTTP %d: %s", method, path, resp.StatusCode, ae.Error)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("admin %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// List lists sessions, of user and on node when not "".
func (c *AdminClient) List(ctx context.Context, user, node string) ([]session.Info, error) {
	q := url.Values{}
	if user != "" {
		q.Set("user", user)
	}
	if node != "" {
		q.Set("node", node)
	}
	var out []session.Info
	err := c.do(ctx, http.MethodGet, "/admin/sessions?"+q.Encode(), nil, &out)
	return out, err
}

// Action runs "reset" or "logoff" on session id (ID or name).
func (c *AdminClient) Action(ctx context.Context, action, id string) error {
	return c.do(ctx, http.MethodPost, "/admin/sessions/"+url.PathEscape(id)+"/"+action, nil, nil)
}

// Message sends m and returns each recipient's delivery.
func (c *AdminClient) Message(ctx context.Context, m AdminMessage) ([]session.Delivery, error) {
	var out []session.Delivery
	err := c.do(ctx, http.MethodPost, "/admin/messages", m, &out)
	return out, err
}
