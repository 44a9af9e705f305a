package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// replacedCustom is the custom-role assignments of one member that a
// predefined role replaces (replace_custom).
type replacedCustom struct {
	member cloudapi.Member
	remove []grant
}

// planReplaceCustom finds, per member, the custom project roles that the
// wanted predefined project roles would be stacked on, and takes them out
// of the member's current assignments so that the plan sees no conflict;
// they are removed first by removeReplacedCustom. A custom role held on
// all projects of a type cannot be cut down to one project, and is left
// for customConflict to refuse.
func planReplaceCustom(members []cloudapi.Member, want []grant, org string) []replacedCustom {
	var out []replacedCustom
	for i := range members {
		m := &members[i]
		var keep, remove []grant
		for _, cur := range grants(&m.RoleAssignments) {
			cut := cur
			cut.ids = nil
			for _, g := range want {
				if g.scope != "project" || len(g.apps) > 0 || cur.scope != "project" || len(cur.apps) == 0 ||
					cur.projectType != g.projectType || cur.all || !overlaps(cur, g) {
					continue
				}
				for _, id := range cur.ids {
					if (g.all || slices.Contains(g.ids, id)) && !slices.Contains(cut.ids, id) {
						cut.ids = append(cut.ids, id)
					}
				}
			}
			if len(cut.ids) == 0 {
				keep = append(keep, cur)
				continue
			}
			remove = append(remove, cut)
			rest := cur
			rest.ids = slices.DeleteFunc(slices.Clone(cur.ids), func(id string) bool { return slices.Contains(cut.ids, id) })
			if len(rest.ids) > 0 {
				keep = append(keep, rest)
			}
		}
		if len(remove) > 0 {
			m.RoleAssignments = fromGrants(keep, org)
			out = append(out, replacedCustom{member: *m, remove: remove})
		}
	}
	return out
}

// describeReplaced says what replace_custom takes away, for the approval.
func describeReplaced(rs []replacedCustom, org string) []string {
	var out []string
	for _, r := range rs {
		ra := fromGrants(r.remove, org)
		out = append(out, fmt.Sprintf("removal of %s's custom role assignment %s (replaced by the predefined role)",
			memberLabel(r.member), strings.Join(summarizeAssignments(&ra), "; ")))
	}
	return out
}

// removeReplacedCustom removes the replaced custom roles before the
// predefined ones are added, so the member never holds the union. When
// nothing is to be added (approved), nothing is removed either.
func removeReplacedCustom(ctx context.Context, cc *cloudapi.Client, rs []replacedCustom, org string, adding bool, w *toolkit.WriteReport) error {
	if !adding {
		return nil
	}
	var done []string
	for _, r := range rs {
		ra := fromGrants(r.remove, org)
		if err := cc.RemoveRoleAssignments(ctx, r.member.UserID, ra); err != nil {
			return toolkit.PartialFailure(cloudErr(err, "remove the custom roles of "+memberLabel(r.member)), done)
		}
		done = append(done, memberLabel(r.member)+": removed "+strings.Join(summarizeAssignments(&ra), "; "))
		w.Warn("removed %s's custom role assignment %s, replaced by the predefined role", memberLabel(r.member), strings.Join(summarizeAssignments(&ra), "; "))
	}
	return nil
}
