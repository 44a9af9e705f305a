package tools

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// CloudIdentity is what whoami reports about the Cloud API credential.
type CloudIdentity struct {
	Configured       bool       `json:"configured"`
	BaseURL          string     `json:"base_url,omitempty"`
	OrganizationID   string     `json:"organization_id,omitempty"`
	OrganizationName string     `json:"organization_name,omitempty"`
	Role             string     `json:"role,omitempty" jsonschema:"the key's organization role when it can be derived: organization-admin (Organization owner) or a note on what it cannot do"`
	KeyID            string     `json:"key_id,omitempty" jsonschema:"the id of the Cloud API key the server runs with, when it can be identified"`
	KeyScope         []string   `json:"key_scope,omitempty" jsonschema:"the role assignments of the server's key"`
	KeyExpires       *time.Time `json:"key_expires,omitempty" jsonschema:"when the server's Cloud API key expires (from X-Elastic-Api-Key-Expiration)"`
	KeyDaysLeft      *int       `json:"key_days_left,omitempty"`
	Error            string     `json:"error,omitempty" jsonschema:"why the identity could not be read"`
}

// describeCloud fills whoami's Cloud section: the organization, the key's
// expiry from the response header, and the key's role when the key can be
// found in the key listing (which itself needs an Organization owner).
func describeCloud(ctx context.Context, c *toolkit.Call) *CloudIdentity {
	id := &CloudIdentity{Configured: c.Env.Cloud != nil}
	cc := c.Env.Cloud
	if cc == nil {
		return id
	}
	id.BaseURL = cc.BaseURL()
	org, err := cc.GetOrganization(ctx)
	if err != nil {
		id.Error = toolkit.Describe(cloudErr(err, "read the organization")).Error()
		return id
	}
	id.OrganizationID, id.OrganizationName = org.ID, org.Name
	if raw := cc.KeyExpiration(); raw != "" {
		if t, ok := parseKeyExpiration(raw); ok {
			t = t.UTC()
			id.KeyExpires = &t
			d := int(math.Floor(time.Until(t).Hours() / 24))
			id.KeyDaysLeft = &d
		}
	}
	principal := "cloud:" + org.Name
	if k, ok := serverKeys.get(cc, struct{}{}); ok {
		principal = describeServerKey(ctx, cc, id, k)
	} else if p := findServerKey(ctx, cc, id); p != "" {
		principal = p
	}
	c.Env.SetPrincipal(principal)
	return id
}

// findServerKey lists the organization's keys to find the server's own, fills
// what the listing tells and returns the principal it names ("" when the key
// cannot be told apart from the others).
func findServerKey(ctx context.Context, cc *cloudapi.Client, id *CloudIdentity) string {
	keys, err := cc.ListAPIKeys(ctx)
	var ce *cloudapi.Error
	switch {
	case errors.As(err, &ce) && ce.Status == http.StatusForbidden:
		id.Role = "not an Organization owner: the key may not manage API keys, members or roles (read-only tools still work)"
		return ""
	case err != nil:
		id.Error = "could not list Cloud API keys to identify this key: " + toolkit.Describe(cloudErr(err, "list API keys")).Error()
		return ""
	}
	// Listing keys succeeded, which only Organization owners may do.
	id.Role = "organization-admin"
	self := identifySelfKey(cc, keys)
	if !self.certain() {
		return ""
	}
	i := slices.IndexFunc(keys, func(k cloudapi.APIKey) bool { return k.ID == self.ids[0] })
	if i < 0 {
		return ""
	}
	if k := keys[i]; k.RoleAssignments != nil && !k.RoleAssignments.IsEmpty() {
		// A key made without role assignments takes its creator's roles,
		// which may change: only explicit assignments are remembered.
		serverKeys.put(cc, struct{}{}, k)
	}
	return describeServerKey(ctx, cc, id, keys[i])
}

// describeServerKey fills the key's id, scope and role from the listed key
// k, and returns the principal it names.
func describeServerKey(ctx context.Context, cc *cloudapi.Client, id *CloudIdentity, k cloudapi.APIKey) string {
	id.KeyID = k.ID
	id.KeyScope = summarizeAssignments(k.RoleAssignments)
	principal := "cloud-key:" + k.ID
	if m := ownerEmail(ctx, cc, k.UserID); m != "" {
		principal += " (" + m + ")"
	}
	// The key was found in a listing, which only Organization owners may read.
	id.Role = "organization-admin"
	if len(id.KeyScope) > 0 && !slices.ContainsFunc(id.KeyScope, func(s string) bool { return strings.HasPrefix(s, "organization-admin ") }) {
		id.Role = "organization owner privileges for keys; key scope: " + strings.Join(id.KeyScope, "; ")
	}
	return principal
}

// serverKeys remembers the server's own key once the key listing has
// identified it for certain. A Cloud API key cannot be changed after it is
// made (the API creates, lists and deletes keys, nothing else), so the id,
// scope and owner of a key made with explicit role assignments stay true
// while it lives; whoami still reads the
// organization with the key every time, so a key that was deleted or has
// expired shows at once. Without it, every whoami listed every key of the
// organization to find one that had not changed: a third of its requests
// and most of its decoding.
var serverKeys = recent[struct{}, cloudapi.APIKey]{ttl: ownerEmailTTL}

// ownerEmails remembers the email of a key's creator: finding it lists every
// member of the organization, which was a quarter of a whoami's requests
// and of its cost, for a value that does not change while the key lives.
var ownerEmails = recent[string, string]{ttl: ownerEmailTTL}

// ownerEmailTTL bounds how long a member's email is reused: an email
// changed or a member removed shows in whoami's principal after this long.
const ownerEmailTTL = 5 * time.Minute

// ownerEmail finds the email of the key's creator, best effort. Only a found
// email is remembered, so a failed listing is tried again on the next call.
func ownerEmail(ctx context.Context, cc *cloudapi.Client, userID string) string {
	if userID == "" {
		return ""
	}
	if email, ok := ownerEmails.get(cc, userID); ok {
		return email
	}
	ms, err := cc.ListMembers(ctx)
	if err != nil {
		return ""
	}
	if m, ok := (memberIndex{ms}).find(userID); ok && m.Email != "" {
		ownerEmails.put(cc, userID, m.Email)
		return m.Email
	}
	return ""
}
