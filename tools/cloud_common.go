package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Shared by the Cloud organization tools: the client of a call, the
// translation of Cloud API errors, and members by id or email.

// cloudClient returns the Cloud client or explains why there is none.
func cloudClient(c *toolkit.Call) (*cloudapi.Client, error) {
	if c.Env == nil || c.Env.Cloud == nil {
		return nil, toolkit.Unavailable("set EC_API_KEY (an Elastic Cloud API key) and restart the server; whoami shows what is configured",
			"The Elastic Cloud API is not configured.")
	}
	return c.Env.Cloud, nil
}

// cloudErr turns client errors into errors the agent can act on. A 403 stops
// with the role the operation needs: the skills' rule is to attempt the call,
// let the API enforce permissions, and on 403 stop and ask the person.
func cloudErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var te *toolkit.Error
	if errors.As(err, &te) {
		return err
	}
	var amb *cloudapi.AmbiguousOrganizationError
	if errors.As(err, &amb) {
		return toolkit.Unavailable("ask the operator to set EC_ORGANIZATION_ID to one of these ids and restart the server", "%s", amb.Error())
	}
	var none cloudapi.NoOrganizationError
	if errors.As(err, &none) {
		return toolkit.Unavailable("check that EC_API_KEY belongs to an organization member, or set EC_ORGANIZATION_ID", "%s", none.Error())
	}
	var ce *cloudapi.Error
	if errors.As(err, &ce) {
		switch {
		case ce.Status == http.StatusForbidden:
			return toolkit.UpstreamFailure(err, "stop here and ask the person to check the Cloud API key's role (whoami shows it); do not retry with other tools",
				"Elastic Cloud refused to %s (%s). This needs an API key of an Organization owner (role organization-admin).", what, ce.Summary())
		case ce.Status == 0 && !ce.Timeout():
			return toolkit.UpstreamFailure(err, "check the network and EC_BASE_URL (whoami shows it), then retry",
				"Could not %s: %s.", what, ce.Summary())
		case ce.Status == http.StatusTooManyRequests:
			return toolkit.UpstreamFailure(err, "wait a minute (or the retry-after time) and call again",
				"Elastic Cloud is rate limiting this API key (%s); the server already retried.", ce.Summary())
		}
	}
	return err
}

// memberIndex resolves members by user id or email.
type memberIndex struct{ list []cloudapi.Member }

// resolveMembers finds each reference or fails naming the unknown ones, with
// a hint for people who are only invited.
func resolveMembers(ctx context.Context, cc *cloudapi.Client, refs []string) ([]cloudapi.Member, error) {
	list, err := cc.ListMembers(ctx)
	if err != nil {
		return nil, cloudErr(err, "list the organization members")
	}
	mi := memberIndex{list}
	var out []cloudapi.Member
	var unknown []string
	for _, r := range refs {
		m, ok := mi.find(r)
		if !ok {
			unknown = append(unknown, r)
			continue
		}
		if !slices.ContainsFunc(out, func(x cloudapi.Member) bool { return x.UserID == m.UserID }) {
			out = append(out, m)
		}
	}
	if len(unknown) > 0 {
		next := "call list_org_members to find the member's user id or email"
		if invs, err := cc.ListInvitations(ctx); err == nil {
			for _, u := range unknown {
				if slices.ContainsFunc(invs, func(i cloudapi.Invitation) bool { return strings.EqualFold(i.Email, u) && !i.Expired }) {
					next = u + " has a pending invitation and is not a member yet: roles can be assigned once they accept (or cancel the invitation and invite again with the roles)"
					break
				}
			}
		}
		return nil, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: not a member of the organization: %s.", strings.Join(unknown, ", ")), Next: next}
	}
	return out, nil
}

func memberLabel(m cloudapi.Member) string {
	if m.Email != "" {
		return m.Email
	}
	return m.UserID
}

func (mi memberIndex) find(ref string) (cloudapi.Member, bool) {
	ref = strings.TrimSpace(ref)
	for _, m := range mi.list {
		if m.UserID == ref || (m.Email != "" && strings.EqualFold(m.Email, ref)) {
			return m, true
		}
	}
	return cloudapi.Member{}, false
}
