package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
)

// Grant is one capability one principal gains through one route.
type Grant struct {
	Plane      string     `json:"plane"` // elasticsearch or cloud
	Principal  Principal  `json:"principal"`
	Route      string     `json:"route"`
	Capability Capability `json:"capability"`
}

// Delta is the grant delta of a change.
type Delta struct {
	Grants []Grant `json:"grants"`
}

func (d *Delta) add(g Grant) { d.Grants = append(d.Grants, g) }

// normalize sorts and deduplicates grants, so that equal deltas have equal
// digests whatever order the change listed things in.
func (d *Delta) normalize() {
	seen := map[string]bool{}
	out := d.Grants[:0]
	for _, g := range d.Grants {
		g.Capability.Via = uniqSorted(g.Capability.Via)
		b, _ := json.Marshal(g)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, g)
		}
	}
	d.Grants = out
	sort.SliceStable(d.Grants, func(i, j int) bool {
		a, b := d.Grants[i], d.Grants[j]
		if a.Capability.Escalation != b.Capability.Escalation {
			return a.Capability.Escalation
		}
		ka := a.Plane + "\x00" + a.Principal.Kind + "\x00" + a.Principal.Name + "\x00" + a.Capability.key() + "\x00" + a.Route
		kb := b.Plane + "\x00" + b.Principal.Kind + "\x00" + b.Principal.Name + "\x00" + b.Capability.key() + "\x00" + b.Route
		return ka < kb
	})
	if d.Grants == nil {
		d.Grants = []Grant{}
	}
}

// Escalations lists the grants that need the person's approval.
func (d *Delta) Escalations() []Grant {
	var out []Grant
	for _, g := range d.Grants {
		if g.Capability.Escalation {
			out = append(out, g)
		}
	}
	return out
}

// Escalates reports whether any grant needs approval.
func (d *Delta) Escalates() bool { return len(d.Escalations()) > 0 }

// Digest is the sha256 of the delta's canonical JSON, for binding an
// approval to exactly what was shown.
func (d *Delta) Digest() string {
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Describe states the escalations in plain words, one per line, then the
// other grants ("alice gains superuser: every privilege on this cluster").
func (d *Delta) Describe() string {
	var esc, other []string
	for _, g := range d.Grants {
		line := g.describe()
		if g.Capability.Escalation {
			esc = append(esc, line)
		} else {
			other = append(other, line)
		}
	}
	if len(esc) == 0 && len(other) == 0 {
		return "This change grants nothing new."
	}
	var b strings.Builder
	if len(esc) > 0 {
		b.WriteString("Escalations:\n")
		for _, l := range esc {
			b.WriteString("- " + l + "\n")
		}
	}
	if len(other) > 0 {
		b.WriteString("Other grants:\n")
		for _, l := range other {
			b.WriteString("- " + l + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (g Grant) describe() string {
	c := g.Capability
	who := g.Principal.String()
	switch c.Kind {
	case KindRole:
		return who + " gains role " + c.Detail
	case KindUnknownRole:
		return who + " gains role " + c.Detail + ", which is not defined yet"
	case KindPrivileges:
		return who + " gets " + c.Detail
	case KindCloudRole:
		return who + " gains " + c.Detail
	case KindInheritsOwner:
		return who + " gets " + c.Detail
	case KindRestrictionCancelled:
		return who + " loses " + c.Detail
	case KindAnyRole, KindOrganizationAdmin, KindOrganizationAppRoles, KindAdminEverywhere, KindProjectAdmin:
		return who + " gains " + c.Detail + " (through " + g.Route + ")"
	}
	line := who + " gains " + c.describe()
	if g.Plane == "cloud" {
		line += " (through " + g.Route + ")"
	} else if len(c.Via) > 0 {
		noun := "role "
		if len(c.Via) > 1 {
			noun = "roles "
		}
		line += " (through " + noun + strings.Join(c.Via, ", ") + ")"
	}
	return line
}
