package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/psgate/psgate/session"
)

// AdminSessions is the part of session.Manager the admin API uses.
type AdminSessions interface {
	List(ctx context.Context, f session.Filter) ([]session.Info, error)
	Reset(ctx context.Context, idOrName string) error
	Logoff(ctx context.Context, idOrName string) error
	Message(ctx context.Context, req session.MessageRequest) ([]session.Delivery, error)
}

// AdminMessage is the body of POST /admin/messages.
type AdminMessage struct {
	To      string `json:"to"`
	From    string `json:"from"`
	Text    string `json:"text"`
	Seconds int    `json:"seconds"`
	Wait    bool   `json:"wait"`
}

// AdminError is the JSON body of a failed admin request.
type AdminError struct {
	Error string `json:"error"`
}

// NewAdmin returns the admin API (JSON, bearer token):
//
//	GET  /admin/sessions?user=U&node=N   []session.Info
//	POST /admin/sessions/{id}/reset      204
//	POST /admin/sessions/{id}/logoff     204
//	POST /admin/messages                 AdminMessage -> []session.Delivery
//
// An unknown session is 404; a missing or wrong token 401.
func NewAdmin(s AdminSessions, token string, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := chi.NewRouter()
	r.Use(BodyDeadline(DefaultBodyTimeout), LimitBody(64<<10), func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			got, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
			if token == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				adminJSON(w, http.StatusUnauthorized, AdminError{Error: "unauthorized"})
				return
			}
			next.ServeHTTP(w, req)
		})
	})
	r.Get("/admin/sessions", func(w http.ResponseWriter, req *http.Request) {
		list, err := s.List(req.Context(), session.Filter{User: req.URL.Query().Get("user"), Node: req.URL.Query().Get("node")})
		if err != nil {
			adminFail(w, logger, "list sessions", err)
			return
		}
		if list == nil {
			list = []session.Info{}
		}
		adminJSON(w, http.StatusOK, list)
	})
	action := func(name string, fn func(context.Context, string) error) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			id := chi.URLParam(req, "id")
			if err := fn(req.Context(), id); err != nil {
				adminFail(w, logger, name+" session "+id, err)
				return
			}
			logger.Info("admin action", "action", name, "session", id)
			w.WriteHeader(http.StatusNoContent)
		}
	}
	r.Post("/admin/sessions/{id}/reset", action("reset", s.Reset))
	r.Post("/admin/sessions/{id}/logoff", action("logoff", s.Logoff))
	r.Post("/admin/messages", func(w http.ResponseWriter, req *http.Request) {
		var m AdminMessage
		dec := json.NewDecoder(req.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil || m.To == "" || m.Text == "" {
			adminJSON(w, http.StatusBadRequest, AdminError{Error: "want JSON {to, text[, from, seconds, wait]}"})
			return
		}
		ds, err := s.Message(req.Context(), session.MessageRequest{To: m.To, From: m.From, Text: m.Text, Seconds: m.Seconds, Wait: m.Wait})
		if err != nil {
			adminFail(w, logger, "message "+m.To, err)
			return
		}
		if ds == nil {
			ds = []session.Delivery{}
		}
		adminJSON(w, http.StatusOK, ds)
	})
	return r
}

func adminFail(w http.ResponseWriter, logger *slog.Logger, op string, err error) {
	if errors.Is(err, session.ErrNotFound) {
		adminJSON(w, http.StatusNotFound, AdminError{Error: op + ": not found"})
		return
	}
	logger.Error("admin", "op", op, "err", err)
	adminJSON(w, http.StatusInternalServerError, AdminError{Error: op + ": " + err.Error()})
}

func adminJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
