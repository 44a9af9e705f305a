package stackemu

import (
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Access tokens live 20 minutes, Elasticsearch's default
// (xpack.security.authc.token.timeout); refresh tokens 24 hours.
const (
	accessTokenTTL  = 20 * time.Minute
	refreshTokenTTL = 24 * time.Hour
)

// token is an access or refresh token: the authentication it was issued
// for (roles as at issue time, as Elasticsearch stores them).
type token struct {
	who         authn
	refresh     bool
	pair        string // the access token of a refresh token, and back
	expires     time.Time
	invalidated bool
	used        bool // refresh tokens are single-use
}

func tokenOAuthError(code, desc string) *esError {
	e := badRequest(code, desc)
	e.oauth = true
	return e
}

// authenticateToken accepts a live access token (Authorization: Bearer).
func (c *Cluster) authenticateToken(value string) *authn {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tokens[value]
	if !ok || t.refresh || t.invalidated || !c.now().Before(t.expires) {
		return nil
	}
	a := t.who
	a.authType, a.key, a.perm = "token", nil, permission{}
	c.resolveRolesLocked(&a)
	return &a
}

// invalidateTokensLocked invalidates every token that match selects and
// returns how many were live and how many were already invalidated.
func (c *Cluster) invalidateTokensLocked(match func(*token) bool) (n, before int) {
	for _, t := range c.tokens {
		if !match(t) {
			continue
		}
		if t.invalidated {
			before++
			continue
		}
		t.invalidated = true
		n++
	}
	return n, before
}

func newTokenValue() string {
	sum := sha256.Sum256([]byte(randomSecret(32)))
	return base64.StdEncoding.EncodeToString(append([]byte{0x01}, sum[:]...))
}

// issueTokensLocked stores a new access token (and a refresh token when
// withRefresh) for a and renders the token response.
func (c *Cluster) issueTokensLocked(a *authn, withRefresh bool) map[string]any {
	now := c.now()
	who := *a
	who.key, who.perm = nil, permission{}
	access := newTokenValue()
	c.tokens[access] = &token{who: who, expires: now.Add(accessTokenTTL)}
	out := map[string]any{"access_token": access, "type": "Bearer", "expires_in": int(accessTokenTTL / time.Second),
		"scope": "full", "authentication": authenticateBody(a)}
	if withRefresh {
		refresh := newTokenValue()
		c.tokens[refresh] = &token{who: who, refresh: true, pair: access, expires: now.Add(refreshTokenTTL)}
		c.tokens[access].pair = refresh
		out["refresh_token"] = refresh
	}
	return out
}

// handleGetToken is POST /_security/oauth2/token with the password,
// client_credentials and refresh_token grants. Errors take the OAuth2 form
// {"error": ..., "error_description": ...}.
func handleGetToken(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse token request: expected an object"))
		return
	}
	fields := map[string]string{}
	for _, kv := range v.obj {
		switch kv.key {
		case "grant_type", "username", "password", "refresh_token", "scope", "kerberos_ticket":
			if kv.val == nil || kv.val.kind != 's' {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [token_request] "+kv.key+" doesn't support values of type: "+kv.val.token()))
				return
			}
			fields[kv.key] = kv.val.str
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:2] [token_request] unknown field ["+kv.key+"]"))
			return
		}
	}
	grant := fields["grant_type"]
	var msgs []string
	switch grant {
	case "password":
		if fields["username"] == "" {
			msgs = append(msgs, "username is missing")
		}
		if fields["password"] == "" {
			msgs = append(msgs, "password is missing")
		}
	case "refresh_token":
		if fields["refresh_token"] == "" {
			msgs = append(msgs, "refresh_token is missing")
		}
	case "client_credentials":
	case "":
		msgs = append(msgs, "grant_type is missing")
	default:
		msgs = append(msgs, "grant_type ["+grant+"] is not supported")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	action := "cluster:admin/xpack/security/token/create"
	if grant == "refresh_token" {
		action = "cluster:admin/xpack/security/token/refresh"
	}
	if !x.authorize(action) {
		return
	}
	c := x.c
	switch grant {
	case "password":
		a := c.authenticateUser(fields["username"], fields["password"])
		if a == nil {
			x.fail(tokenOAuthError("invalid_grant", "failed to authenticate user ["+fields["username"]+"]"))
			return
		}
		c.mu.Lock()
		out := c.issueTokensLocked(a, true)
		c.mu.Unlock()
		x.ok(out)
	case "client_credentials":
		if x.who.key != nil {
			x.fail(tokenOAuthError("unsupported_grant_type", "client_credentials grant is not supported for API keys"))
			return
		}
		c.mu.Lock()
		out := c.issueTokensLocked(x.who, false)
		c.mu.Unlock()
		x.ok(out)
	case "refresh_token":
		c.mu.Lock()
		defer c.mu.Unlock()
		t, ok := c.tokens[fields["refresh_token"]]
		if !ok || !t.refresh || t.invalidated || t.used || !c.now().Before(t.expires) {
			x.fail(tokenOAuthError("invalid_grant", "token has already been refreshed or is invalid"))
			return
		}
		t.used, t.invalidated = true, true
		if acc, ok := c.tokens[t.pair]; ok {
			acc.invalidated = true
		}
		who := t.who
		c.resolveRolesLocked(&who)
		x.ok(c.issueTokensLocked(&who, true))
	}
}

// handleInvalidateToken is DELETE /_security/oauth2/token: by token,
// refresh_token, realm_name and/or username.
func handleInvalidateToken(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse invalidate token request: expected an object"))
		return
	}
	f := map[string]string{}
	for _, kv := range v.obj {
		switch kv.key {
		case "token", "refresh_token", "realm_name", "username":
			if kv.val.isNull() {
				continue
			}
			if kv.val.kind != 's' {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [invalidate_token_request] "+kv.key+" doesn't support values of type: "+kv.val.token()))
				return
			}
			f[kv.key] = kv.val.str
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:2] [invalidate_token_request] unknown field ["+kv.key+"]"))
			return
		}
	}
	var msgs []string
	byToken := f["token"] != "" || f["refresh_token"] != ""
	switch {
	case f["token"] != "" && f["refresh_token"] != "":
		msgs = append(msgs, "only one of [token, refresh_token] may be sent per request")
	case byToken && (f["realm_name"] != "" || f["username"] != ""):
		msgs = append(msgs, "realm and username can not be combined with a token or refresh_token")
	case !byToken && f["realm_name"] == "" && f["username"] == "":
		msgs = append(msgs, "One of [token, refresh_token, realm_name, username] must be specified")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	if !x.authorize("cluster:admin/xpack/security/token/invalidate") {
		return
	}
	c := x.c
	c.mu.Lock()
	var n, before int
	switch {
	case f["token"] != "":
		t, ok := c.tokens[f["token"]]
		n, before = c.invalidateTokensLocked(func(o *token) bool { return ok && !o.refresh && o == t })
	case f["refresh_token"] != "":
		t, ok := c.tokens[f["refresh_token"]]
		n, before = c.invalidateTokensLocked(func(o *token) bool { return ok && o.refresh && o == t })
	default:
		n, before = c.invalidateTokensLocked(func(o *token) bool {
			return (f["realm_name"] == "" || o.who.realmName == f["realm_name"]) && (f["username"] == "" || o.who.username == f["username"])
		})
	}
	c.mu.Unlock()
	if byToken && n+before == 0 {
		x.fail(notFoundException("token malformed or not found"))
		return
	}
	x.ok(map[string]any{"invalidated_tokens": n, "previously_invalidated_tokens": before, "error_count": 0})
}
