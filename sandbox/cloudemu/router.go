package cloudemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// call is one authenticated request as the handlers see it.
type call struct {
	r      *http.Request
	params map[string]string
	key    *apiKey
	now    time.Time
}

func (c *call) param(name string) string { return c.params[name] }

// reply is what a handler decides; serve writes it after releasing the lock,
// so a slow client never holds up other requests.
type reply struct {
	status int
	body   any
	header http.Header
	err    *apiError
}

func ok(status int, body any) reply { return reply{status: status, body: body} }

// empty is the Swagger EmptyResponse.
var empty = struct{}{}

type handlerFunc func(e *Emulator, c *call) reply

type route struct {
	method     string
	segs       []string
	serverless bool
	h          handlerFunc
}

// routes lists every path the emulator answers. Literal segments win over
// parameters, so /organizations/invitations/{token} is not read as an
// organization id.
var routes = buildRoutes([]struct {
	method, pattern string
	h               handlerFunc
}{
	{"GET", "/api/v1/account", (*Emulator).getAccount},
	{"PUT", "/api/v1/account", (*Emulator).updateAccount},
	{"PATCH", "/api/v1/account", (*Emulator).updateAccount},
	{"GET", "/api/v1/organizations", (*Emulator).listOrganizations},
	{"GET", "/api/v1/deployments", (*Emulator).listDeployments},
	{"GET", "/api/v1/organizations/{organization_id}", (*Emulator).getOrganization},
	{"PUT", "/api/v1/organizations/{organization_id}", (*Emulator).updateOrganization},
	{"GET", "/api/v1/organizations/{organization_id}/members", (*Emulator).listMembers},
	{"DELETE", "/api/v1/organizations/{organization_id}/members/{user_ids}", (*Emulator).deleteMembers},
	{"GET", "/api/v1/organizations/{organization_id}/invitations", (*Emulator).listInvitations},
	{"POST", "/api/v1/organizations/{organization_id}/invitations", (*Emulator).createInvitations},
	{"DELETE", "/api/v1/organizations/{organization_id}/invitations/{invitation_tokens}", (*Emulator).deleteInvitations},
	{"GET", "/api/v1/organizations/invitations/{invitation_token}", (*Emulator).getInvitation},
	{"POST", "/api/v1/organizations/invitations/{invitation_token}/_accept", (*Emulator).acceptInvitation},
	{"POST", "/api/v1/users/{user_id}/role_assignments", (*Emulator).addRoleAssignments},
	{"DELETE", "/api/v1/users/{user_id}/role_assignments", (*Emulator).removeRoleAssignments},
	{"GET", "/api/v1/users/auth/keys", (*Emulator).listKeys},
	{"POST", "/api/v1/users/auth/keys", (*Emulator).createKey},
	{"DELETE", "/api/v1/users/auth/keys", (*Emulator).deleteKeys},
	{"GET", "/api/v1/users/auth/keys/{api_key_id}", (*Emulator).getKey},
	{"DELETE", "/api/v1/users/auth/keys/{api_key_id}", (*Emulator).deleteKey},
	{"GET", "/api/v1/serverless/projects/{type}", (*Emulator).listProjects},
	{"GET", "/api/v1/serverless/projects/{type}/{id}", (*Emulator).getProject},
	{"GET", "/api/v1/serverless/projects/{type}/{id}/roles", (*Emulator).getProjectRoles},
	{"GET", "/api/v1/serverless/projects/{type}/{id}/status", (*Emulator).getProjectStatus},
})

func buildRoutes(defs []struct {
	method, pattern string
	h               handlerFunc
}) []route {
	out := make([]route, 0, len(defs))
	for _, d := range defs {
		out = append(out, route{
			method:     d.method,
			segs:       strings.Split(strings.TrimPrefix(d.pattern, "/"), "/"),
			serverless: strings.HasPrefix(d.pattern, "/api/v1/serverless/"),
			h:          d.h,
		})
	}
	return out
}

// match finds the route for a path. It reports whether the path exists for
// some other method, so the caller can tell 404 from 405.
func match(method, path string) (rt *route, params map[string]string, pathKnown bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	bestScore := -1
	for i := range routes {
		r := &routes[i]
		score, p, okm := matchSegs(r.segs, segs)
		if !okm {
			continue
		}
		pathKnown = true
		if r.method != method || score <= bestScore {
			continue
		}
		rt, params, bestScore = r, p, score
	}
	return rt, params, pathKnown
}

func matchSegs(pattern, segs []string) (literals int, params map[string]string, ok bool) {
	if len(pattern) != len(segs) {
		return 0, nil, false
	}
	params = map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return 0, nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return 0, nil, false
		}
		literals++
	}
	return literals, params, true
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	rt, params, known := match(r.Method, r.URL.Path)
	serverless := strings.HasPrefix(r.URL.Path, "/api/v1/serverless/")
	if rt == nil {
		if known {
			writeReply(w, fail(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method "+r.Method+" is not allowed on "+r.URL.Path), serverless)
			return
		}
		writeReply(w, fail(http.StatusNotFound, codeNotFound, "The requested resource could not be found: "+r.URL.Path), serverless)
		return
	}

	e.mu.Lock()
	now := e.now()
	k, authErr := e.authenticate(r, now)
	var rep reply
	hdr := http.Header{}
	switch {
	case authErr != nil:
		rep = *authErr
	default:
		if limited := e.rateLimit(k, now, hdr); limited != nil {
			rep = *limited
		} else {
			rep = rt.h(e, &call{r: r, params: params, key: k, now: now})
		}
		if !k.expires.IsZero() {
			hdr.Set("X-Elastic-Api-Key-Expiration", k.expires.UTC().Format(time.RFC3339))
		}
	}
	e.mu.Unlock()

	for name, vs := range hdr {
		w.Header()[name] = vs
	}
	writeReply(w, rep, rt.serverless)
}

func writeReply(w http.ResponseWriter, rep reply, serverless bool) {
	for name, vs := range rep.header {
		w.Header()[name] = vs
	}
	if rep.err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(headerErrorCodes, rep.err.code)
		w.WriteHeader(rep.err.status)
		_, _ = w.Write(rep.err.body(serverless))
		return
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	b, err := json.Marshal(rep.body)
	if err != nil {
		e := apiError{status: http.StatusInternalServerError, code: codeInternal, message: err.Error()}
		w.Header().Set(headerErrorCodes, e.code)
		w.WriteHeader(e.status)
		_, _ = w.Write(e.body(serverless))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

// maxBody bounds request bodies; the real API's limit is unknown, and no
// access-management body comes close.
const maxBody = 1 << 20

// decodeBody reads a JSON body into v. Unknown fields are ignored, as the
// reference asks (newer API versions add fields). required says whether an
// empty body is an error.
func decodeBody(c *call, v any, required bool) error {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil {
		return errors.New("the request body could not be read")
	}
	if len(b) > maxBody {
		return errors.New("the request body is too large")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		if required {
			return errors.New("a JSON request body is required")
		}
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("the request body is not valid JSON: " + err.Error())
	}
	return nil
}
