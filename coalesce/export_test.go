package coalesce

import "net/http"

// Waiting is how many requests share the flight of req, besides its first.
func (t *Transport) Waiting(req *http.Request) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.flights[requestKey(req)]; f != nil {
		return f.waiters
	}
	return -1
}
