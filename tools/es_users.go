package tools

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// userTools returns the native user tools.
// esReservedUsers are Elasticsearch's reserved users: only their password
// may be changed through the API, and this server changes nothing of them.
var esReservedUsers = []string{"elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user"}

// esGeneratedPasswordLength is comfortably above the skill's minimum of 16.
const esGeneratedPasswordLength = 24

func esIsReservedUser(name string, u *esapi.User) bool {
	return slices.Contains(esReservedUsers, name) || strings.HasPrefix(name, "_") || (u != nil && esapi.IsReserved(u.Metadata))
}

func esRefuseReserved(name string) error {
	return toolkit.Refused("create a personal native user for the person instead (create_user), with only the roles they need",
		"%s is a reserved (built-in) user; this server does not modify reserved users.", name)
}

// UserView is a native user.
type UserView struct {
	Username string         `json:"username"`
	Roles    []string       `json:"roles"`
	Enabled  bool           `json:"enabled"`
	FullName string         `json:"full_name,omitempty"`
	Email    string         `json:"email,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Reserved bool           `json:"reserved,omitempty" jsonschema:"a built-in user that this server does not modify"`
}

func userView(u esapi.User) UserView {
	v := UserView{Username: u.Username, Roles: nonNil(u.Roles), Enabled: u.Enabled, Reserved: esapi.IsReserved(u.Metadata)}
	if u.FullName != nil {
		v.FullName = *u.FullName
	}
	if u.Email != nil {
		v.Email = *u.Email
	}
	if m := stripReserved(u.Metadata); len(m) > 0 {
		v.Metadata = m
	}
	return v
}

// GetUsersInput selects users.
type GetUsersInput struct {
	ProjectArg
	Usernames       []string `json:"usernames,omitempty" jsonschema:"usernames; empty = every user" validate:"omitempty,max=100,dive,esname"`
	Role            string   `json:"role,omitempty" jsonschema:"only users holding this role"`
	IncludeReserved bool     `json:"include_reserved,omitempty" jsonschema:"also list reserved users"`
	Limit           int      `json:"limit,omitempty" jsonschema:"page size, default 100" validate:"omitempty,min=1,max=1000"`
	Cursor          string   `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

// GetUsersOutput is one page of users.
type GetUsersOutput struct {
	Users      []UserView `json:"users"`
	Missing    []string   `json:"missing,omitempty" jsonschema:"requested usernames that do not exist"`
	Total      int        `json:"total"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func getUsersTool() toolkit.Tool { return toolkit.Define(getUsersSpec, getUsers) }

var getUsersSpec = toolkit.Spec{
	Name:    "get_users",
	Title:   "Get native users",
	Toolset: toolkit.ToolsetUsers,
	Tier:    toolkit.Read,
	Description: "List or read native users (not Serverless): roles, enabled, email, metadata. Call before update_user. " +
		"SAML/LDAP users: get_role_mappings.",
}

func getUsers(ctx context.Context, c *toolkit.Call, in GetUsersInput) (GetUsersOutput, error) {
	var out GetUsersOutput
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	if err := requireStack(ctx, t, "Native users"); err != nil {
		return out, err
	}
	users, err := t.ES.GetUsers(ctx, in.Usernames...)
	if err != nil {
		return out, stackFail(t, err)
	}
	var names []string
	for n, u := range users {
		if len(in.Usernames) == 0 && !in.IncludeReserved && esapi.IsReserved(u.Metadata) {
			continue
		}
		if in.Role != "" && !slices.Contains(u.Roles, in.Role) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range in.Usernames {
		if _, ok := users[n]; !ok {
			out.Missing = append(out.Missing, n)
		}
	}
	out.Total = len(names)
	page, next, err := pageOf(names, "users", in.Cursor, in.Limit, 100)
	if err != nil {
		return out, err
	}
	out.NextCursor = next
	out.Users = make([]UserView, 0, len(page))
	for _, n := range page {
		u := users[n]
		if u.Username == "" {
			u.Username = n
		}
		out.Users = append(out.Users, userView(u))
	}
	return out, nil
}

// CreateUserInput describes a new native user.
type CreateUserInput struct {
	ProjectArg
	Username string         `json:"username" validate:"required,esname"`
	Roles    []string       `json:"roles" jsonschema:"existing roles (get_roles)" validate:"required,min=1,max=100,dive,esname"`
	FullName string         `json:"full_name,omitempty" validate:"max=512"`
	Email    string         `json:"email,omitempty" validate:"omitempty,email"`
	Metadata map[string]any `json:"metadata,omitempty" jsonschema:"user attributes for templated DLS, e.g. {\"department\":\"hr\"}"`
	Disabled bool           `json:"disabled,omitempty" jsonschema:"create the user disabled (default: enabled)"`
}

// CreateUserOutput reports the new user. The password never appears here.
type CreateUserOutput struct {
	toolkit.WriteReport
	User             UserView    `json:"user"`
	PasswordLocation *redact.Ref `json:"password_location,omitempty" jsonschema:"where the person finds the generated password; tell them, never ask for it"`
}

func createUserTool() toolkit.Tool { return toolkit.Define(createUserSpec, createUser) }

var createUserSpec = toolkit.Spec{
	Name:    "create_user",
	Title:   "Create a native user",
	Toolset: toolkit.ToolsetUsers,
	Tier:    toolkit.Write,
	Description: "Create a native user with roles (not Serverless). The server generates the password and hands it to the " +
		"person; never ask for one. Existing users: update_user.",
}

func createUser(ctx context.Context, c *toolkit.Call, in CreateUserInput) (CreateUserOutput, error) {
	var out CreateUserOutput
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return out, err
	}
	if esIsReservedUser(in.Username, nil) {
		return out, esRefuseReserved(in.Username)
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	c.Target("user:" + in.Username)
	if err := requireStack(ctx, t, "Native users"); err != nil {
		return out, err
	}
	existing, err := t.ES.GetUsers(ctx, in.Username)
	if err != nil {
		return out, stackFail(t, err)
	}
	if u, ok := existing[in.Username]; ok {
		if esIsReservedUser(in.Username, &u) {
			return out, esRefuseReserved(in.Username)
		}
		return out, toolkit.Refused("use update_user to change roles or details, or reset_user_password for a new password",
			"User %s already exists.", in.Username)
	}
	roles := sortedUnique(in.Roles)
	if err := esRequireRoles(ctx, t, roles); err != nil {
		return out, err
	}
	delta, err := judgeStack(ctx, t, policy.Change{Users: []policy.UserChange{{
		Username: in.Username, NewRoles: roles, NewEnabled: !in.Disabled}}})
	if err != nil {
		return out, err
	}
	if err := approve(ctx, c, &out.WriteReport, delta, approval{target: "user:" + in.Username, where: t.Label()}); err != nil {
		return out, err
	}
	pw, err := redact.GeneratePassword(esGeneratedPasswordLength)
	if err != nil {
		return out, err
	}
	redact.Default().Remember(pw)
	body := esapi.PutUserBody{Password: pw, Roles: roles, Metadata: in.Metadata, Enabled: !in.Disabled}
	if c.DryRun() {
		// No password exists in a dry run: the planned request shows
		// none rather than one the person might mistake for real.
		body.Password = ""
	}
	if in.FullName != "" {
		body.FullName = &in.FullName
	}
	if in.Email != "" {
		body.Email = &in.Email
	}
	out.User = UserView{Username: in.Username, Roles: roles, Enabled: !in.Disabled, FullName: in.FullName, Email: in.Email, Metadata: in.Metadata}
	if _, err := t.ES.PutUser(ctx, in.Username, body); err != nil {
		if esapi.MaybeApplied(err) && !c.DryRun() {
			return lostUserCreation(ctx, c, t, pw, err, out)
		}
		return CreateUserOutput{}, stackFail(t, err)
	}
	if c.DryRun() {
		out.Warn("the real request also carries a password generated by the server and handed to the person; none was created")
		return out, nil
	}
	ref, err := c.Withhold(ctx, redact.Secret{Label: "password for Elasticsearch user " + in.Username, Value: pw,
		Fields: map[string]string{"username": in.Username, "elasticsearch": t.ES.URL()}})
	if err != nil {
		return out, toolkit.PartialFailure(err, []string{"created user " + in.Username + " (its password could not be handed over: call reset_user_password)"})
	}
	out.PasswordLocation = ref
	return out, nil
}

// lostUserCreation finishes a user creation whose answer was lost: it reads
// the user back. A user that exists now (it did not before the request) was
// created with the generated password, which is handed over as usual; one
// that does not was not created.
func lostUserCreation(ctx context.Context, c *toolkit.Call, t *toolkit.StackTarget, pw string, err error, out CreateUserOutput) (CreateUserOutput, error) {
	name := out.User.Username
	users, gerr := t.ES.GetUsers(ctx, name)
	if gerr != nil {
		// Unknown: the password may be in force, so it is handed over.
		if ref, werr := c.Withhold(ctx, redact.Secret{Label: "password for Elasticsearch user " + name + " (only if the creation was applied)", Value: pw, Fields: map[string]string{"username": name}}); werr == nil {
			return CreateUserOutput{}, toolkit.UpstreamFailure(err, "check with get_users usernames=["+name+"]; if the user exists, the password at "+ref.Location+" is theirs, otherwise call create_user again",
				"The user may have been created, but the answer was lost (%v), and reading it back failed too (%s). If it was created, its password is at %s.", err, esShort(gerr), ref.Location)
		}
		return CreateUserOutput{}, toolkit.UpstreamFailure(err, "check with get_users usernames=["+name+"]; if the user exists, give them a password with reset_user_password, otherwise call create_user again",
			"The user may have been created, but the answer was lost (%v), and reading it back failed too (%s).", err, esShort(gerr))
	}
	u, ok := users[name]
	if !ok {
		return CreateUserOutput{}, toolkit.UpstreamFailure(err, "call create_user again",
			"The answer of the user creation was lost (%v). A check just now found no user %s, so it was not created.", err, name)
	}
	if !slices.Equal(sortedUnique(u.Roles), out.User.Roles) {
		return CreateUserOutput{}, toolkit.UpstreamFailure(err, "check the user with get_users usernames=["+name+"]; give them a password with reset_user_password if they need one",
			"The answer of the user creation was lost (%v). User %s exists now, but with roles %s instead of the requested ones, so it was created or changed by someone else; no password was handed over.", err, name, strings.Join(u.Roles, ", "))
	}
	out.Warn("the answer of the creation was lost, but a check just now found user %s with the requested roles: it was created", name)
	ref, werr := c.Withhold(ctx, redact.Secret{Label: "password for Elasticsearch user " + name, Value: pw,
		Fields: map[string]string{"username": name, "elasticsearch": t.ES.URL()}})
	if werr != nil {
		return out, toolkit.PartialFailure(werr, []string{"created user " + name + " (its password could not be handed over: call reset_user_password)"})
	}
	out.PasswordLocation = ref
	return out, nil
}

// esRequireRoles refuses role names that do not exist: Elasticsearch accepts
// them silently, and a typo would leave the user without access.
func esRequireRoles(ctx context.Context, t *toolkit.StackTarget, roles []string) error {
	if len(roles) == 0 {
		return nil
	}
	found, err := t.ES.GetRoles(ctx, roles...)
	if err != nil {
		return stackFail(t, err)
	}
	var missing []string
	for _, r := range roles {
		if _, ok := found[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: role(s) %s do not exist.", strings.Join(missing, ", ")),
			Next: "create them with put_role first, or check the names with get_roles"}
	}
	return nil
}

// UpdateUserInput changes a user's roles or details.
type UpdateUserInput struct {
	ProjectArg
	Username    string         `json:"username" validate:"required,esname"`
	AddRoles    []string       `json:"add_roles,omitempty" jsonschema:"roles to add; the user's other roles are kept" validate:"omitempty,max=100,dive,esname"`
	RemoveRoles []string       `json:"remove_roles,omitempty" jsonschema:"roles to take away; the others are kept" validate:"omitempty,max=100,dive,esname"`
	SetRoles    []string       `json:"set_roles,omitempty" jsonschema:"replaces every role; not with add_roles or remove_roles" validate:"omitempty,max=100,dive,esname"`
	FullName    string         `json:"full_name,omitempty" validate:"max=512"`
	Email       string         `json:"email,omitempty" validate:"omitempty,email"`
	Metadata    map[string]any `json:"metadata,omitempty" jsonschema:"replaces the metadata"`
}

// UpdateUserOutput reports the change.
type UpdateUserOutput struct {
	toolkit.WriteReport
	User         UserView `json:"user" jsonschema:"the user after the change"`
	RolesAdded   []string `json:"roles_added,omitempty"`
	RolesRemoved []string `json:"roles_removed,omitempty"`
	Changes      []string `json:"changes,omitempty"`
}

func updateUserTool() toolkit.Tool { return toolkit.Define(updateUserSpec, updateUser) }

var updateUserSpec = toolkit.Spec{
	Name:    "update_user",
	Title:   "Update a native user",
	Toolset: toolkit.ToolsetUsers,
	// Write, so that adding a role (the common job) works without
	// --allow-destructive; taking roles away is gated at run time on the
	// destructive allowance and the person's approval instead.
	Tier:       toolkit.Write,
	Idempotent: true,
	Description: "Change a native user's roles (add, remove or set), name, email or metadata, keeping the rest; removing roles " +
		"or adding superuser-like ones needs approval. Call get_users first.",
}

func updateUser(ctx context.Context, c *toolkit.Call, in UpdateUserInput) (UpdateUserOutput, error) {
	var out UpdateUserOutput
	if len(in.SetRoles) > 0 && (len(in.AddRoles) > 0 || len(in.RemoveRoles) > 0) {
		return out, toolkit.InvalidArgs("set_roles replaces the whole list; do not combine it with add_roles or remove_roles")
	}
	if len(in.SetRoles) == 0 && len(in.AddRoles) == 0 && len(in.RemoveRoles) == 0 && in.FullName == "" && in.Email == "" && in.Metadata == nil {
		return out, toolkit.InvalidArgs("nothing to change: give add_roles, remove_roles, set_roles, full_name, email or metadata")
	}
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return out, err
	}
	t, ctx, cur, err := esExistingUser(ctx, c, in.Project, in.Username, "check the name with get_users, or create the user with create_user")
	if err != nil {
		return out, err
	}
	roles := newUserRoles(cur.Roles, in, &out)
	if err := esRequireRoles(ctx, t, out.RolesAdded); err != nil {
		return out, err
	}
	body := esapi.PutUserBody{Roles: roles, FullName: cur.FullName, Email: cur.Email, Metadata: cur.Metadata, Enabled: cur.Enabled}
	if len(out.RolesAdded) > 0 || len(out.RolesRemoved) > 0 {
		out.Changes = append(out.Changes, fmt.Sprintf("roles: %v -> %v", nonNil(cur.Roles), roles))
	}
	if in.FullName != "" && (cur.FullName == nil || *cur.FullName != in.FullName) {
		body.FullName = &in.FullName
		out.Changes = append(out.Changes, "full_name: "+derefOr(cur.FullName, "(none)")+" -> "+in.FullName)
	}
	if in.Email != "" && (cur.Email == nil || *cur.Email != in.Email) {
		body.Email = &in.Email
		out.Changes = append(out.Changes, "email: "+derefOr(cur.Email, "(none)")+" -> "+in.Email)
	}
	if in.Metadata != nil {
		body.Metadata = mergeUserMetadata(cur.Metadata, in.Metadata, &out)
	}
	out.User = userView(esapi.User{Username: in.Username, Roles: roles, FullName: body.FullName, Email: body.Email, Metadata: body.Metadata, Enabled: cur.Enabled})
	if len(out.Changes) == 0 {
		out.Warn("the user already looks like this; nothing was changed")
		return out, nil
	}
	ask := approval{target: "user:" + in.Username, where: t.Label()}
	if len(out.RolesRemoved) > 0 {
		if c.Env.Selection.Tier != "read-write-destructive" {
			return out, toolkit.Refused("ask the operator to start the server with --allow-destructive, or only add roles",
				"Removing role(s) %s from %s takes access away, which this server is not allowed to do.", strings.Join(out.RolesRemoved, ", "), in.Username)
		}
		ask.reasons = append(ask.reasons, fmt.Sprintf("remove role(s) %s from user %s (remaining roles: %s)", strings.Join(out.RolesRemoved, ", "), in.Username, orNone(strings.Join(roles, ", "))))
	}
	delta, err := judgeStack(ctx, t, policy.Change{Users: []policy.UserChange{{Username: in.Username, Exists: true,
		OldRoles: cur.Roles, OldEnabled: cur.Enabled, NewRoles: roles, NewEnabled: cur.Enabled}}})
	if err != nil {
		return out, err
	}
	if err := approve(ctx, c, &out.WriteReport, delta, ask); err != nil {
		return out, err
	}
	if _, err := t.ES.PutUser(ctx, in.Username, body); err != nil {
		return out, stackFail(t, err)
	}
	return out, nil
}

// newUserRoles applies set_roles, add_roles and remove_roles to the user's
// current roles, and records in out what is added and removed.
func newUserRoles(current []string, in UpdateUserInput, out *UpdateUserOutput) []string {
	roles := slices.Clone(current)
	if len(in.SetRoles) > 0 {
		roles = sortedUnique(in.SetRoles)
	}
	for _, r := range in.AddRoles {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	var notHeld []string
	for _, r := range in.RemoveRoles {
		if !slices.Contains(roles, r) {
			notHeld = append(notHeld, r)
		}
		roles = slices.DeleteFunc(roles, func(x string) bool { return x == r })
	}
	if len(notHeld) > 0 {
		out.Warn("user %s did not hold %s", in.Username, strings.Join(notHeld, ", "))
	}
	for _, r := range roles {
		if !slices.Contains(current, r) {
			out.RolesAdded = append(out.RolesAdded, r)
		}
	}
	for _, r := range current {
		if !slices.Contains(roles, r) {
			out.RolesRemoved = append(out.RolesRemoved, r)
		}
	}
	return roles
}

// mergeUserMetadata replaces the user's metadata, keeping the keys
// Elasticsearch owns, and records the difference in out.
func mergeUserMetadata(current, given map[string]any, out *UpdateUserOutput) map[string]any {
	keep := map[string]any{}
	for k, v := range current {
		if strings.HasPrefix(k, "_") {
			keep[k] = v // Elasticsearch-owned keys are not ours to drop
		}
	}
	for k, v := range given {
		keep[k] = v
	}
	if d := esRoleDiff(esapi.RoleDescriptor{Metadata: current}, esapi.RoleDescriptor{Metadata: keep}); len(d) > 0 {
		out.Changes = append(out.Changes, d...)
	}
	return keep
}

func derefOr(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

// SetUserEnabledInput enables or disables a user.
type SetUserEnabledInput struct {
	ProjectArg
	Username string `json:"username" validate:"required,esname"`
	Enabled  bool   `json:"enabled" jsonschema:"false disables login (the record stays)"`
}

// SetUserEnabledOutput reports the new state.
type SetUserEnabledOutput struct {
	toolkit.WriteReport
	Username string `json:"username"`
	Enabled  bool   `json:"enabled"`
	Changed  bool   `json:"changed" jsonschema:"false when the user was already in that state"`
}

func setUserEnabledTool() toolkit.Tool { return toolkit.Define(setUserEnabledSpec, setUserEnabled) }

var setUserEnabledSpec = toolkit.Spec{
	Name:        "set_user_enabled",
	Title:       "Enable or disable a native user",
	Toolset:     toolkit.ToolsetUsers,
	Tier:        toolkit.Destructive,
	Idempotent:  true,
	Description: "Disable a native user (reversible; prefer it to delete_users) or enable one. Disabling, or enabling a superuser-like user, needs approval.",
}

func setUserEnabled(ctx context.Context, c *toolkit.Call, in SetUserEnabledInput) (SetUserEnabledOutput, error) {
	out := SetUserEnabledOutput{Username: in.Username, Enabled: in.Enabled}
	t, ctx, cur, err := esExistingUser(ctx, c, in.Project, in.Username, "check the name with get_users")
	if err != nil {
		return out, err
	}
	if cur.Enabled == in.Enabled {
		return out, nil
	}
	ask := approval{target: "user:" + in.Username, where: t.Label()}
	if !in.Enabled {
		if me, err := t.ES.Authenticate(ctx); err == nil && me.Username == in.Username && me.AuthenticationType != "api_key" {
			return out, toolkit.Refused("ask another administrator to do it", "%s is the user this server runs as; disabling it would lock the server out.", in.Username)
		}
		ask.reasons = append(ask.reasons, fmt.Sprintf("disable user %s; they will not be able to log in until enabled again", in.Username))
	}
	// Enabling gives the user back every role it holds.
	delta, err := judgeStack(ctx, t, policy.Change{Users: []policy.UserChange{{Username: in.Username, Exists: true,
		OldRoles: cur.Roles, OldEnabled: cur.Enabled, NewRoles: cur.Roles, NewEnabled: in.Enabled}}})
	if err != nil {
		return out, err
	}
	if err := approve(ctx, c, &out.WriteReport, delta, ask); err != nil {
		return out, err
	}
	if err := t.ES.SetUserEnabled(ctx, in.Username, in.Enabled); err != nil {
		return out, stackFail(t, err)
	}
	out.Changed = true
	return out, nil
}

// ResetUserPasswordInput names the user.
type ResetUserPasswordInput struct {
	ProjectArg
	Username string `json:"username" validate:"required,esname"`
}

// ResetUserPasswordOutput says where the new password went.
type ResetUserPasswordOutput struct {
	toolkit.WriteReport
	Username         string      `json:"username"`
	PasswordLocation *redact.Ref `json:"password_location,omitempty" jsonschema:"where the person finds the new password"`
}

func resetUserPasswordTool() toolkit.Tool {
	return toolkit.Define(resetUserPasswordSpec, resetUserPassword)
}

var resetUserPasswordSpec = toolkit.Spec{
	Name:        "reset_user_password",
	Title:       "Reset a native user's password",
	Toolset:     toolkit.ToolsetUsers,
	Tier:        toolkit.Destructive,
	Description: "Give a native user a new generated password, handed to the person out of band, after approval.",
}

func resetUserPassword(ctx context.Context, c *toolkit.Call, in ResetUserPasswordInput) (ResetUserPasswordOutput, error) {
	out := ResetUserPasswordOutput{Username: in.Username}
	t, ctx, cur, err := esExistingUser(ctx, c, in.Project, in.Username, "check the name with get_users")
	if err != nil {
		return out, err
	}
	if me, err := t.ES.Authenticate(ctx); err == nil && me.Username == in.Username && me.AuthenticationType != "api_key" {
		return out, toolkit.Refused("change the server's own password outside this server, then update its configuration", "%s is the user this server runs as.", in.Username)
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: "user:" + in.Username,
		Message: fmt.Sprintf("Reset the password of user %s on %s? Their current password stops working.", in.Username, t.Label())}); err != nil {
		return out, err
	}
	pw, err := redact.GeneratePassword(esGeneratedPasswordLength)
	if err != nil {
		return out, err
	}
	redact.Default().Remember(pw)
	if c.DryRun() {
		pw = "" // see create_user: no password exists in a dry run
	}
	err = t.ES.ChangePassword(ctx, in.Username, pw)
	if esapi.MaybeApplied(err) && cur.Enabled && passwordInForce(ctx, t, in.Username, pw) {
		// Applied for certain: handed over below like any other reset.
		out.Warn("the answer of the reset was lost, but the new password works (checked just now): the reset was applied")
		err = nil
	}
	if err != nil {
		if esapi.MaybeApplied(err) { // the new password may be in force: hand it over anyway
			if ref, werr := c.Withhold(ctx, redact.Secret{Label: "password for Elasticsearch user " + in.Username + " (only if the reset was applied)", Value: pw, Fields: map[string]string{"username": in.Username}}); werr == nil {
				return out, toolkit.UpstreamFailure(err, "have the person try that password; if it does not work, reset the password again",
					"The password reset may have been applied, but its answer was lost (%v). If it was applied, the new password is at %s.", err, ref.Location)
			}
		}
		return out, stackFail(t, err)
	}
	if c.DryRun() {
		out.Warn("the real request carries a password generated by the server and handed to the person; nothing was changed")
		return out, nil
	}
	ref, err := c.Withhold(ctx, redact.Secret{Label: "password for Elasticsearch user " + in.Username, Value: pw,
		Fields: map[string]string{"username": in.Username, "elasticsearch": t.ES.URL()}})
	if err != nil {
		return out, toolkit.PartialFailure(err, []string{"changed the password of " + in.Username + " (the new one could not be handed over: call reset_user_password again)"})
	}
	out.PasswordLocation = ref
	return out, nil
}

// passwordInForce reports whether the user can log in with password now:
// after a reset whose answer was lost, that tells an applied reset from one
// that may not have been (a disabled user cannot log in, so it is not asked).
func passwordInForce(ctx context.Context, t *toolkit.StackTarget, username, password string) bool {
	me, err := t.ES.As(username, password).Authenticate(ctx)
	return err == nil && me.Username == username
}

// DeleteUsersInput names users to delete.
type DeleteUsersInput struct {
	ProjectArg
	Usernames []string `json:"usernames" validate:"required,min=1,max=50,dive,esname"`
}

// DeleteUsersOutput reports the deletion.
type DeleteUsersOutput struct {
	toolkit.WriteReport
	Deleted  []string `json:"deleted"`
	NotFound []string `json:"not_found,omitempty"`
}

func deleteUsersTool() toolkit.Tool { return toolkit.Define(deleteUsersSpec, deleteUsers) }

var deleteUsersSpec = toolkit.Spec{
	Name:        "delete_users",
	Title:       "Delete native users",
	Toolset:     toolkit.ToolsetUsers,
	Tier:        toolkit.Destructive,
	Description: "Delete native users, after approval. Prefer set_user_enabled with enabled: false, which can be undone.",
}

func deleteUsers(ctx context.Context, c *toolkit.Call, in DeleteUsersInput) (DeleteUsersOutput, error) {
	out := DeleteUsersOutput{Deleted: []string{}}
	for _, n := range in.Usernames {
		if esIsReservedUser(n, nil) {
			return out, esRefuseReserved(n)
		}
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	if err := requireStack(ctx, t, "Native users"); err != nil {
		return out, err
	}
	names := sortedUnique(in.Usernames)
	users, err := t.ES.GetUsers(ctx, names...)
	if err != nil {
		return out, stackFail(t, err)
	}
	me, _ := t.ES.Authenticate(ctx)
	var todo []string
	for _, n := range names {
		u, ok := users[n]
		switch {
		case !ok:
			out.NotFound = append(out.NotFound, n)
		case esIsReservedUser(n, &u):
			return out, esRefuseReserved(n)
		case me != nil && me.Username == n && me.AuthenticationType != "api_key":
			return out, toolkit.Refused("ask another administrator to do it", "%s is the user this server runs as.", n)
		default:
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	msg := fmt.Sprintf("Delete user(s) %s on %s? This cannot be undone; disabling (set_user_enabled) would keep the audit trail.", strings.Join(todo, ", "), t.Label())
	deleted, notFound, err := deleteNames(ctx, c, t, "user", todo, msg, t.ES.DeleteUser)
	out.Deleted, out.NotFound = deleted, append(out.NotFound, notFound...)
	if err != nil {
		return out, err
	}
	return out, nil
}

// esExistingUser starts every tool that changes one native user: it refuses
// reserved users, resolves the target (which must have native users), and
// reads the user, which must exist. next is the advice when it does not.
func esExistingUser(ctx context.Context, c *toolkit.Call, project, username, next string) (*toolkit.StackTarget, context.Context, esapi.User, error) {
	if esIsReservedUser(username, nil) {
		return nil, ctx, esapi.User{}, esRefuseReserved(username)
	}
	t, ctx, err := esTarget(ctx, c, project)
	if err != nil {
		return nil, ctx, esapi.User{}, err
	}
	c.Target("user:" + username)
	if err := requireStack(ctx, t, "Native users"); err != nil {
		return nil, ctx, esapi.User{}, err
	}
	users, err := t.ES.GetUsers(ctx, username)
	if err != nil {
		return nil, ctx, esapi.User{}, stackFail(t, err)
	}
	cur, ok := users[username]
	if !ok {
		return nil, ctx, esapi.User{}, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: user %s does not exist.", username), Next: next}
	}
	if esIsReservedUser(username, &cur) {
		return nil, ctx, esapi.User{}, esRefuseReserved(username)
	}
	return t, ctx, cur, nil
}
