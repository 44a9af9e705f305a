package tools

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// AccessReviewInput scopes the review.
type AccessReviewInput struct {
	ProjectArg
	Projects    []string `json:"projects,omitempty" jsonschema:"projects to review; [*] for all" validate:"omitempty,max=100,dive,required"`
	Planes      []string `json:"planes,omitempty" jsonschema:"planes to review; default all configured" validate:"omitempty,dive,oneof=cloud elasticsearch"`
	MinSeverity string   `json:"min_severity,omitempty" jsonschema:"lowest severity; default info" validate:"omitempty,oneof=info low medium high"`
	MaxKeyAge   string   `json:"long_lived_key,omitempty" jsonschema:"long-lived key threshold; default 90d" validate:"omitempty,duration"`
	Concurrency int      `json:"concurrency,omitempty" jsonschema:"projects reviewed at once; default 4" validate:"omitempty,min=1,max=16"`
}

// Finding is one risky grant, with the call that fixes it.
type Finding struct {
	// ID is stable: the same problem on the same principal has the same id
	// in every review, so findings can be tracked and acknowledged.
	ID        string `json:"id" jsonschema:"stable id: family/target/principal"`
	Plane     string `json:"plane" jsonschema:"cloud or elasticsearch"`
	Severity  string `json:"severity" jsonschema:"high, medium, low or info"`
	Principal string `json:"principal" jsonschema:"who or what it is about, e.g. user:bob, role:ops, api_key:ci (id), role_mapping:saml-admins, member:alice@example.com, cloud_key:ci (id)"`
	Target    string `json:"target,omitempty" jsonschema:"the cluster or project, for Elasticsearch findings"`
	Issue     string `json:"issue"`
	Evidence  string `json:"evidence,omitempty" jsonschema:"what was read that shows it"`
	Fix       string `json:"fix,omitempty"`
	// FixCall is the exact tool call that fixes it (the agent still asks
	// the person; destructive and escalating calls are confirmed).
	FixCall *ToolCall `json:"fix_call,omitempty"`
}

// ToolCall is a call of one of this server's tools.
type ToolCall struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
}

// AccessReviewOutput is the audit.
type AccessReviewOutput struct {
	Findings []Finding      `json:"findings"`
	Counts   map[string]int `json:"counts" jsonschema:"findings by severity"`
	Reviewed []string       `json:"reviewed" jsonschema:"what was read, and what could not be"`
}

var esSeverityRank = map[string]int{"high": 3, "medium": 2, "low": 1, "info": 0}

func accessReviewTool() toolkit.Tool { return toolkit.Define(accessReviewSpec, accessReview) }

var accessReviewSpec = toolkit.Spec{
	Name:    "access_review",
	Title:   "Review risky access",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Read,
	Description: "Audit Cloud and Elasticsearch access for risky grants (owners, superuser-like roles, cancelled DLS/FLS, risky " +
		"keys, stale invitations...); each finding names the tool call that fixes it. Read-only.",
}

func accessReview(ctx context.Context, c *toolkit.Call, in AccessReviewInput) (AccessReviewOutput, error) {
	out := AccessReviewOutput{Findings: []Finding{}, Counts: map[string]int{}, Reviewed: []string{}}
	longLived := 90 * 24 * time.Hour
	if in.MaxKeyAge != "" {
		longLived, _ = toolkit.ParseDuration(in.MaxKeyAge)
	}
	wantPlane := func(p string) bool { return len(in.Planes) == 0 || containsString(in.Planes, p) }
	if in.Project != "" {
		in.Projects = append(in.Projects, in.Project)
	}
	hasCloud := c.Env.Configured(toolkit.PlaneCloud) && c.Env.Cloud != nil
	reviewsCloud := wantPlane("cloud") && hasCloud
	var targets []string
	if wantPlane("elasticsearch") {
		var err error
		if targets, err = reviewTargets(ctx, c, in.Projects, hasCloud); err != nil {
			return out, err
		}
	}
	// Progress counts stages: the organization, then each cluster or
	// project as its review ends.
	stages := len(targets)
	if reviewsCloud {
		stages++
	}
	var done atomic.Int32
	stageDone := func(what string) { c.Progress(ctx, int(done.Add(1)), stages, what+" reviewed") }
	if reviewsCloud {
		reviewCloud(ctx, c, longLived, &out)
		stageDone("the Elastic Cloud organization")
	} else if len(in.Planes) > 0 && wantPlane("cloud") {
		out.Reviewed = append(out.Reviewed, "cloud: not configured (set EC_API_KEY)")
	}
	if wantPlane("elasticsearch") {
		if len(targets) == 0 && len(in.Planes) > 0 {
			out.Reviewed = append(out.Reviewed, "elasticsearch: not configured (set ELASTICSEARCH_URL, or EC_API_KEY to reach projects)")
		}
		reviewStacks(ctx, c, targets, in.Concurrency, longLived, &out, stageDone)
	}
	if len(out.Reviewed) == 0 {
		out.Reviewed = append(out.Reviewed, "nothing was reviewed: configure EC_API_KEY (Elastic Cloud) and/or ELASTICSEARCH_URL")
	}
	out.keepAtLeast(in.MinSeverity)
	return out, nil
}

func containsString(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// reviewTargets lists the Elasticsearch targets: "" is the configured
// cluster, anything else a project reference.
func reviewTargets(ctx context.Context, c *toolkit.Call, projects []string, hasCloud bool) ([]string, error) {
	if c.Env.Stack == nil {
		return nil, nil
	}
	all := len(projects) == 0 && !c.Env.Configured(toolkit.PlaneElasticsearch)
	if containsString(projects, "*") {
		all = true
	}
	if !all {
		if len(projects) == 0 {
			return []string{""}, nil
		}
		return projects, nil
	}
	if !hasCloud {
		return nil, toolkit.InvalidArgs("projects [*] needs Elastic Cloud (EC_API_KEY) to list the projects")
	}
	list, err := c.Env.Cloud.ListAllProjects(ctx)
	if err != nil {
		return nil, cloudErr(err, "list the projects to review")
	}
	var out []string
	for _, p := range list {
		out = append(out, p.ID)
	}
	return out, nil
}

// reviewStacks reviews each target, at most concurrency at a time, and
// merges the results in target order so the output is stable.
func reviewStacks(ctx context.Context, c *toolkit.Call, targets []string, concurrency int, longLived time.Duration, out *AccessReviewOutput, stageDone func(string)) {
	if concurrency <= 0 {
		concurrency = 4
	}
	results := make([]AccessReviewOutput, len(targets))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, ref := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := &results[i]
			label := ref
			if label == "" {
				label = "the configured cluster"
			}
			defer stageDone(label)
			t, tctx, err := esTarget(ctx, c, ref)
			if err != nil {
				r.Reviewed = append(r.Reviewed, fmt.Sprintf("project %s: not reachable (%s)", ref, toolkit.Describe(err).Error()))
				return
			}
			reviewStack(tctx, t, longLived, r)
		}()
	}
	wg.Wait()
	for _, r := range results {
		out.Findings = append(out.Findings, r.Findings...)
		out.Reviewed = append(out.Reviewed, r.Reviewed...)
	}
}

// finding builds a finding with its stable id.
func finding(plane, family, target, principal, severity, issue, evidence, fix string, call *ToolCall) Finding {
	scope := target
	if scope == "" {
		scope = "-"
	}
	return Finding{ID: family + "/" + scope + "/" + principal, Plane: plane, Severity: severity, Principal: principal,
		Issue: issue, Evidence: evidence, Fix: fix, FixCall: call}
}

func call(tool string, args map[string]any) *ToolCall { return &ToolCall{Tool: tool, Arguments: args} }

// keepAtLeast drops findings below minSeverity, puts the worst first (then
// by id) and counts them.
func (o *AccessReviewOutput) keepAtLeast(minSeverity string) {
	min := esSeverityRank[minSeverity]
	kept := o.Findings[:0]
	for _, f := range o.Findings {
		if esSeverityRank[f.Severity] >= min {
			kept = append(kept, f)
		}
	}
	o.Findings = kept
	sort.SliceStable(o.Findings, func(i, j int) bool {
		a, b := o.Findings[i], o.Findings[j]
		if esSeverityRank[a.Severity] != esSeverityRank[b.Severity] {
			return esSeverityRank[a.Severity] > esSeverityRank[b.Severity]
		}
		return a.ID < b.ID
	})
	for _, f := range o.Findings {
		o.Counts[f.Severity]++
	}
}

// memberRef names a member for findings and fix calls.
func memberRef(m cloudapi.Member) string {
	if m.Email != "" {
		return m.Email
	}
	return m.UserID
}

func joinComma(l []string) string { return strings.Join(l, ", ") }
