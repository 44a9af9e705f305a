package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/state"
)

// healthz answers liveness and readiness probes with the state store's health: a replica whose store does not
// answer cannot approve anything or hand out links, so a load balancer should send calls elsewhere (503).
func (h *HTTPServer) healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		st := h.srv.state
		body := map[string]any{"status": "ok"}
		store := map[string]any{"kind": st.Kind(), "status": "ok"}
		code := http.StatusOK
		if err := st.Health(ctx); err != nil {
			body["status"], store["status"] = "degraded", "unavailable"
			if errors.Is(err, state.ErrEvicting) {
				store["status"] = "evicting"
			}
			store["error"] = err.Error() // the store's messages name no address or password
			code = http.StatusServiceUnavailable
		}
		body["state_store"] = store
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
}
