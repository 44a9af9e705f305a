package stackemu

import (
	"encoding/json"
	"strings"
)

// roleDescriptor is the stored form of a role, a role in an API key's
// role_descriptors, or a limited_by snapshot.
type roleDescriptor struct {
	Cluster       []string
	Indices       []indexPriv
	Applications  []appPriv
	RunAs         []string
	Metadata      map[string]any
	Description   *string
	RemoteIndices []indexPriv
	RemoteCluster []remoteClusterPriv
	Global        any
	Restriction   any
}

type indexPriv struct {
	Names           []string
	Privileges      []string
	FieldSecurity   *fieldSecurity
	Query           string // "" means no DLS query; always a JSON string when set
	AllowRestricted bool
	Clusters        []string // remote_indices only
}

type fieldSecurity struct {
	Grant, Except       []string
	HasGrant, HasExcept bool
}

type appPriv struct {
	Application string
	Privileges  []string
	Resources   []string
}

type remoteClusterPriv struct {
	Privileges []string
	Clusters   []string
}

// descParseOpts selects the parser variant: roles accept description; API-key
// role descriptors accept restriction instead.
type descParseOpts struct {
	allowDescription bool
	allowRestriction bool
	flavor           Flavor
}

func (c *Cluster) roleOpts() descParseOpts {
	return descParseOpts{allowDescription: true, flavor: c.flavor}
}

func (c *Cluster) apiKeyRoleOpts() descParseOpts {
	return descParseOpts{allowRestriction: true, flavor: c.flavor}
}

// readStringArrayField mirrors RoleDescriptor.readStringArray: the inner
// XContentUtils message is wrapped in "failed to parse role [x]".
func readStringArrayField(role, field string, v *jv) ([]string, *esError) {
	var inner string
	switch {
	case v.isNull():
		inner = "could not parse [" + field + "] field. expected a string array but found null value instead"
	case v.kind != 'a':
		inner = "could not parse [" + field + "] field. expected a string array but found [" + v.token() + "] value instead"
	default:
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			if e == nil || e.kind != 's' {
				inner = "could not parse [" + field + "] field. expected a string array but one of the value in the array is [" + e.token() + "]"
				break
			}
			out = append(out, e.str)
		}
		if inner == "" {
			return out, nil
		}
	}
	e := parseError("failed to parse role [" + role + "]")
	e.causedBy = parseError(inner)
	return nil, e
}

// parseRoleDescriptor is RoleDescriptor.parse (reference §4.1–§4.2).
func parseRoleDescriptor(name string, v *jv, o descParseOpts) (*roleDescriptor, *esError) {
	if v == nil || v.kind != 'o' {
		return nil, parseError("failed to parse role [" + name + "]. expected an object but found [" + v.token() + "] instead")
	}
	d := &roleDescriptor{Cluster: []string{}, Indices: []indexPriv{}, Applications: []appPriv{}, RunAs: []string{},
		Metadata: map[string]any{}}
	unexpected := func(k string) *esError {
		return parseError("failed to parse role [" + name + "]. unexpected field [" + k + "]")
	}
	for _, kv := range v.obj {
		k, val := kv.key, kv.val
		var err *esError
		switch k {
		case "cluster":
			d.Cluster, err = readStringArrayField(name, k, val)
		case "indices", "index":
			d.Indices, err = parseIndices(name, val, false)
		case "remote_indices":
			if o.flavor == FlavorServerless {
				return nil, unexpected(k)
			}
			d.RemoteIndices, err = parseIndices(name, val, true)
		case "applications", "application":
			d.Applications, err = parseApplications(name, val)
		case "run_as":
			d.RunAs, err = readStringArrayField(name, k, val)
			if err == nil && o.flavor == FlavorServerless && len(d.RunAs) > 0 {
				return nil, unexpected(k)
			}
		case "metadata":
			if val.isNull() || val.kind != 'o' {
				return nil, parseError("expected field [metadata] to be of type object, but found [" + val.token() + "] instead")
			}
			d.Metadata = val.toAny().(map[string]any)
		case "transient_metadata":
			if val.isNull() || val.kind != 'o' {
				return nil, unexpected(k)
			}
		case "description":
			if !o.allowDescription {
				return nil, unexpected(k)
			}
			if !val.isNull() {
				if val.kind != 's' {
					return nil, parseError("failed to parse role [" + name + "]. expected field [description] value to be a string, but found [" + val.token() + "] instead")
				}
				s := val.str
				d.Description = &s
			}
		case "remote_cluster":
			if o.flavor == FlavorServerless {
				return nil, unexpected(k)
			}
			d.RemoteCluster, err = parseRemoteCluster(name, val)
		case "global":
			if o.flavor == FlavorServerless {
				return nil, unexpected(k)
			}
			if val.isNull() || val.kind != 'o' {
				return nil, parseError("failed to parse role [" + name + "]. expected field [global] value to be an object, but found [" + val.token() + "] instead")
			}
			d.Global = val.toAny()
		case "restriction":
			if !o.allowRestriction {
				return nil, unexpected(k)
			}
			d.Restriction, err = parseRestriction(name, val)
		case "type":
			// accepted and ignored (index-document compatibility)
		default:
			return nil, unexpected(k)
		}
		if err != nil {
			return nil, err
		}
	}
	for i, c := range d.Cluster {
		d.Cluster[i] = strings.ToLower(c)
	}
	return d, nil
}

func parseIndices(role string, v *jv, remote bool) ([]indexPriv, *esError) {
	what := "indices"
	if remote {
		what = "remote indices"
	}
	prefix := "failed to parse " + what + " privileges for role [" + role + "]. "
	if v.isNull() || v.kind != 'a' {
		return nil, parseError(prefix + "expected field [" + strings.ReplaceAll(what, " ", "_") + "] value to be an array, but found [" + v.token() + "] instead")
	}
	out := []indexPriv{}
	for _, e := range v.arr {
		if e == nil || e.kind != 'o' {
			return nil, parseError(prefix + "expected field [" + strings.ReplaceAll(what, " ", "_") + "] value to be an array of objects, but found an array element of type [" + e.token() + "]")
		}
		ip := indexPriv{}
		var hasNames, hasPrivs, hasClusters bool
		for _, kv := range e.obj {
			val := kv.val
			switch kv.key {
			case "names":
				hasNames = true
				switch {
				case val != nil && val.kind == 's':
					ip.Names = []string{val.str}
				case val != nil && val.kind == 'a':
					names, ok := val.stringList()
					if !ok {
						return nil, parseError(prefix + "expected field [names] value to be a string or an array of strings, but found [" + val.token() + "] instead")
					}
					if len(names) == 0 {
						return nil, parseError(prefix + "[names] cannot be an empty array")
					}
					ip.Names = names
				default:
					return nil, parseError(prefix + "expected field [names] value to be a string or an array of strings, but found [" + val.token() + "] instead")
				}
			case "privileges":
				hasPrivs = true
				privs, ok := val.strictStringArray()
				if !ok {
					return nil, parseError(prefix + "expected field [privileges] value to be an array of strings, but found [" + val.token() + "] instead")
				}
				ip.Privileges = privs
			case "clusters":
				if !remote {
					return nil, parseError(prefix + "unexpected field [clusters]")
				}
				hasClusters = true
				cl, ok := val.stringList()
				if !ok {
					return nil, parseError(prefix + "expected field [clusters] value to be a string or an array of strings, but found [" + val.token() + "] instead")
				}
				ip.Clusters = cl
			case "field_security":
				fs, err := parseFieldSecurity(role, val)
				if err != nil {
					return nil, err
				}
				ip.FieldSecurity = fs
			case "query":
				switch {
				case val.isNull():
				case val.kind == 's':
					ip.Query = val.str
				case val.kind == 'o' || val.kind == 'a':
					ip.Query = val.compact()
				default:
					return nil, parseError(prefix + "expected field [query] value to be null, a string, an array, or an object, but found [" + val.token() + "] instead")
				}
			case "allow_restricted_indices":
				if val == nil || val.kind != 'b' {
					return nil, parseError(prefix + "expected field [allow_restricted_indices] value to be a boolean, but found [" + val.token() + "] instead")
				}
				ip.AllowRestricted = val.b
			case "fields":
				return nil, parseError("[\"fields\": [...]] format has changed for field permissions in role [" + role +
					"], use [\"field_security\": {\"grant\":[...],\"except\":[...]}] instead")
			default:
				return nil, parseError(prefix + "unexpected field [" + kv.key + "]")
			}
		}
		if !hasNames {
			return nil, parseError(prefix + "missing required [names] field")
		}
		if !hasPrivs {
			return nil, parseError(prefix + "missing required [privileges] field")
		}
		if remote && !hasClusters {
			return nil, parseError(prefix + "missing required [clusters] field")
		}
		if len(ip.Privileges) == 0 {
			return nil, illegalArg("indices privileges must define at least one privilege")
		}
		if fs := ip.FieldSecurity; fs != nil && fs.HasExcept {
			for _, ex := range fs.Except {
				covered := false
				for _, g := range fs.Grant {
					if globSubset(ex, g) {
						covered = true
						break
					}
				}
				if !covered {
					return nil, parseError("failed to parse indices privileges for role [" + role + "] - Exceptions for field permissions must be a subset of the granted fields but " +
						strings.Join(fs.Except, ",") + " is not a subset of " + strings.Join(fs.Grant, ","))
				}
			}
		}
		out = append(out, ip)
	}
	return out, nil
}

func parseFieldSecurity(role string, v *jv) (*fieldSecurity, *esError) {
	if v.isNull() || v.kind != 'o' {
		return nil, parseError("failed to parse indices privileges for role [" + role + "]. expected field [field_security] value to be an object, but found [" + v.token() + "] instead")
	}
	if len(v.obj) == 0 {
		return nil, parseError(`"field_security" must not be empty.`)
	}
	fs := &fieldSecurity{}
	for _, kv := range v.obj {
		switch kv.key {
		case "grant", "except":
			if kv.val.isNull() {
				return nil, parseError(kv.key + " must not be null.")
			}
			list, ok := kv.val.stringList()
			if !ok {
				return nil, parseError("failed to parse indices privileges for role [" + role + "]. expected field [" + kv.key + "] value to be a string or an array of strings, but found [" + kv.val.token() + "] instead")
			}
			if kv.key == "grant" {
				fs.Grant, fs.HasGrant = list, true
			} else {
				fs.Except, fs.HasExcept = list, true
			}
		default:
			return nil, parseError(`"field_security" only accepts options grant and except, but got: ` + kv.key)
		}
	}
	if fs.HasExcept && !fs.HasGrant {
		return nil, parseError("field_security requires grant if except is given")
	}
	return fs, nil
}

func parseApplications(role string, v *jv) ([]appPriv, *esError) {
	prefix := "failed to parse application privileges for role [" + role + "]. "
	if v.isNull() || v.kind != 'a' {
		return nil, parseError(prefix + "expected field [applications] value to be an array, but found [" + v.token() + "] instead")
	}
	out := []appPriv{}
	for _, e := range v.arr {
		if e == nil || e.kind != 'o' {
			return nil, parseError(prefix + "expected field [applications] value to be an array of objects, but found an array element of type [" + e.token() + "]")
		}
		var ap appPriv
		var hasApp, hasPrivs, hasRes bool
		for _, kv := range e.obj {
			switch kv.key {
			case "application":
				if kv.val == nil || kv.val.kind != 's' {
					return nil, parseError(prefix + "expected field [application] value to be a string, but found [" + kv.val.token() + "] instead")
				}
				ap.Application, hasApp = kv.val.str, true
			case "privileges":
				l, ok := kv.val.stringList()
				if !ok {
					return nil, parseError(prefix + "expected field [privileges] value to be a string or an array of strings, but found [" + kv.val.token() + "] instead")
				}
				ap.Privileges, hasPrivs = l, true
			case "resources":
				l, ok := kv.val.stringList()
				if !ok {
					return nil, parseError(prefix + "expected field [resources] value to be a string or an array of strings, but found [" + kv.val.token() + "] instead")
				}
				ap.Resources, hasRes = l, true
			default:
				return nil, parseError(prefix + "unexpected field [" + kv.key + "]")
			}
		}
		switch {
		case !hasApp:
			return nil, parseError(prefix + "missing required [application] field")
		case !hasPrivs:
			return nil, parseError(prefix + "missing required [privileges] field")
		case !hasRes:
			return nil, parseError(prefix + "missing required [resources] field")
		}
		out = append(out, ap)
	}
	return out, nil
}

func parseRemoteCluster(role string, v *jv) ([]remoteClusterPriv, *esError) {
	prefix := "failed to parse remote_cluster for role [" + role + "]. "
	if v.isNull() || v.kind != 'a' {
		return nil, parseError(prefix + "expected field [remote_cluster] value to be an array, but found [" + v.token() + "] instead")
	}
	out := []remoteClusterPriv{}
	for _, e := range v.arr {
		if e == nil || e.kind != 'o' {
			return nil, parseError(prefix + "expected an object but found [" + e.token() + "] instead")
		}
		var rc remoteClusterPriv
		for _, kv := range e.obj {
			l, ok := kv.val.stringList()
			switch {
			case kv.key != "privileges" && kv.key != "clusters":
				return nil, parseError(prefix + "unexpected field [" + kv.key + "]")
			case !ok:
				return nil, parseError(prefix + "expected field [" + kv.key + "] value to be a string or an array of strings, but found [" + kv.val.token() + "] instead")
			case kv.key == "privileges":
				rc.Privileges = l
			default:
				rc.Clusters = l
			}
		}
		if rc.Privileges == nil {
			return nil, parseError(prefix + "missing required [privileges] field")
		}
		if rc.Clusters == nil {
			return nil, parseError(prefix + "missing required [clusters] field")
		}
		for _, p := range rc.Privileges {
			if p != "monitor_enrich" && p != "monitor_stats" {
				return nil, illegalArg("Invalid remote_cluster permissions found. Please remove the following: [" + p +
					"] Only [monitor_enrich, monitor_stats] are allowed")
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

func parseRestriction(role string, v *jv) (any, *esError) {
	prefix := "failed to parse restriction for role [" + role + "]. "
	if v.isNull() || v.kind != 'o' {
		return nil, parseError(prefix + "expected an object but found [" + v.token() + "] instead")
	}
	w := v.get("workflows")
	if len(v.obj) != 1 || w == nil {
		return nil, parseError(prefix + "missing required [workflows] field")
	}
	list, ok := w.strictStringArray()
	if !ok || len(list) == 0 {
		return nil, parseError(prefix + "[workflows] cannot be an empty array")
	}
	for _, wf := range list {
		if wf != "search_application_query" {
			return nil, illegalArg("Unknown workflow [" + wf + "]. A workflow must be one of the predefined workflow names [search_application_query].")
		}
	}
	return v.toAny(), nil
}

// validate is RoleDescriptorRequestValidator: the messages that PUT role
// collects into one action_request_validation_exception.
func (d *roleDescriptor) validate(f Flavor, metadataMsg string) []string {
	var msgs []string
	for _, c := range d.Cluster {
		if !validClusterPrivilege(f, c) {
			msgs = append(msgs, unknownClusterPrivilegeMsg(f, c))
		}
	}
	checkIdx := func(list []indexPriv) {
		for _, ip := range list {
			for _, p := range ip.Privileges {
				if !validIndexPrivilege(strings.ToLower(p)) {
					msgs = append(msgs, unknownIndexPrivilegeMsg(strings.ToLower(p)))
				}
			}
		}
	}
	checkIdx(d.Indices)
	for _, ip := range d.RemoteIndices {
		for _, c := range ip.Clusters {
			if c == "" {
				msgs = append(msgs, "remote index cluster alias cannot be an empty string")
			}
		}
	}
	checkIdx(d.RemoteIndices)
	for _, ap := range d.Applications {
		if ap.Application == "" {
			msgs = append(msgs, "Application names may not be empty")
		}
		for _, p := range ap.Privileges {
			if p == "" {
				msgs = append(msgs, "Application privilege names may not be empty")
			}
		}
	}
	if d.Description != nil && javaLen(*d.Description) > descriptionMax {
		msgs = append(msgs, "Role description must be less than 2048 characters.")
	}
	if hasUnderscoreKey(d.Metadata) {
		msgs = append(msgs, metadataMsg)
	}
	return msgs
}

// hasPrivileges reports whether the descriptor grants anything (API keys
// derived from API keys must carry descriptors without privileges).
func (d *roleDescriptor) hasPrivileges() bool {
	return len(d.Cluster) > 0 || len(d.Indices) > 0 || len(d.Applications) > 0 || len(d.RunAs) > 0 ||
		len(d.RemoteIndices) > 0 || len(d.RemoteCluster) > 0 || d.Global != nil
}

// render is the response form (reference §4.4).
func (d *roleDescriptor) render() map[string]any {
	m := map[string]any{
		"cluster":            nonNil(d.Cluster),
		"indices":            renderIndices(d.Indices, false),
		"applications":       renderApps(d.Applications),
		"run_as":             nonNil(d.RunAs),
		"metadata":           nonNilMap(d.Metadata),
		"transient_metadata": map[string]any{"enabled": true},
	}
	if d.Description != nil {
		m["description"] = *d.Description
	}
	if len(d.RemoteIndices) > 0 {
		m["remote_indices"] = renderIndices(d.RemoteIndices, true)
	}
	if len(d.RemoteCluster) > 0 {
		rc := []any{}
		for _, r := range d.RemoteCluster {
			rc = append(rc, map[string]any{"privileges": r.Privileges, "clusters": r.Clusters})
		}
		m["remote_cluster"] = rc
	}
	if d.Global != nil {
		m["global"] = d.Global
	}
	if d.Restriction != nil {
		m["restriction"] = d.Restriction
	}
	return m
}

func renderIndices(list []indexPriv, remote bool) []any {
	out := []any{}
	for _, ip := range list {
		e := map[string]any{"names": ip.Names, "privileges": ip.Privileges, "allow_restricted_indices": ip.AllowRestricted}
		if ip.FieldSecurity != nil {
			fs := map[string]any{}
			if ip.FieldSecurity.HasGrant {
				fs["grant"] = nonNil(ip.FieldSecurity.Grant)
			}
			if ip.FieldSecurity.HasExcept {
				fs["except"] = nonNil(ip.FieldSecurity.Except)
			}
			e["field_security"] = fs
		}
		if ip.Query != "" {
			e["query"] = ip.Query
		}
		if remote {
			e["clusters"] = ip.Clusters
		}
		out = append(out, e)
	}
	return out
}

func renderApps(list []appPriv) []any {
	out := []any{}
	for _, a := range list {
		out = append(out, map[string]any{"application": a.Application, "privileges": nonNil(a.Privileges),
			"resources": nonNil(a.Resources)})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// clone deep-copies via JSON so that snapshots (limited_by) do not alias the
// live role.
func (d *roleDescriptor) clone() *roleDescriptor {
	b, _ := json.Marshal(d)
	var out roleDescriptor
	_ = json.Unmarshal(b, &out)
	return &out
}

func (d *roleDescriptor) equal(o *roleDescriptor) bool {
	a, _ := json.Marshal(d)
	b, _ := json.Marshal(o)
	return string(a) == string(b)
}
