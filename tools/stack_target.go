package tools

import (
	"log/slog"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// StackConfig is the configured Elasticsearch and Kibana (URL "" = none).
type StackConfig struct {
	Elasticsearch esapi.Config
	Kibana        esapi.KibanaConfig
}

// StackTargets resolves which Elasticsearch and Kibana a call talks to.
// (Placeholder: the Elasticsearch tools fill this in.)
type StackTargets struct {
	Default *esapi.Client
	Kibana  *esapi.KibanaClient
}

// NewStackTargets builds the default targets; cloud (may be nil) resolves
// Serverless projects named by a call.
func NewStackTargets(cfg StackConfig, cloud *cloudapi.Client, logger *slog.Logger) (*StackTargets, error) {
	st := &StackTargets{}
	if cfg.Elasticsearch.URL != "" {
		c, err := esapi.New(cfg.Elasticsearch)
		if err != nil {
			return nil, err
		}
		st.Default = c
	}
	if cfg.Kibana.URL != "" {
		k, err := esapi.NewKibana(cfg.Kibana)
		if err != nil {
			return nil, err
		}
		st.Kibana = k
	}
	return st, nil
}

// HasDefaultElasticsearch reports whether ELASTICSEARCH_URL is configured.
func (s *StackTargets) HasDefaultElasticsearch() bool { return s.Default != nil }

// HasDefaultKibana reports whether KIBANA_URL is configured.
func (s *StackTargets) HasDefaultKibana() bool { return s.Kibana != nil }
