package esapi

import "context"

// KibanaSpace is a Kibana space as GET /api/spaces/space returns it.
type KibanaSpace struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Disabled    []any  `json:"disabledFeatures,omitempty"`
}

// ListSpaces returns every Kibana space the caller can see.
func (k *KibanaClient) ListSpaces(ctx context.Context) ([]KibanaSpace, error) {
	var out []KibanaSpace
	if err := k.do(ctx, "GET", "/api/spaces/space", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// KibanaFeature is a Kibana feature that roles grant privileges on.
type KibanaFeature struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Privileges map[string]any `json:"privileges,omitempty"`
}

// ListFeatures returns the Kibana features (GET /api/features).
func (k *KibanaClient) ListFeatures(ctx context.Context) ([]KibanaFeature, error) {
	var out []KibanaFeature
	if err := k.do(ctx, "GET", "/api/features", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}
