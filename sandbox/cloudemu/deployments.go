package cloudemu

import "net/http"

// Deployment is a hosted deployment as GET /deployments lists it. The
// emulator only lists them: role assignments name deployments by id, and a
// client checks ids against this list.
type Deployment struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
}

// AddDeployment adds a hosted deployment to the list and returns it.
func (e *Emulator) AddDeployment(name string) Deployment {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addDeploymentLocked(name)
}

func (e *Emulator) addDeploymentLocked(name string) Deployment {
	d := Deployment{ID: newHexID(), Name: name, Alias: name}
	e.deployments = append(e.deployments, d)
	return d
}

// GET /deployments
func (e *Emulator) listDeployments(c *call) reply {
	if e.orgs[c.key.orgID] == nil {
		return fail(http.StatusUnauthorized, codeUserNotFound, "User not found")
	}
	out := append([]Deployment{}, e.deployments...)
	return ok(http.StatusOK, map[string]any{"deployments": out})
}
