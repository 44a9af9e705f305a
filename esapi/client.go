// Package esapi is the Elasticsearch security client and the Kibana role client.
package esapi

import "net/http"

// Config configures a Client. (Placeholder: the Elasticsearch client fills this in.)
type Config struct {
	URL       string
	APIKey    string
	Username  string
	Password  string
	CACert    string
	Insecure  bool
	Transport http.RoundTripper
	UserAgent string
}

// Client talks to the Elasticsearch security API.
type Client struct{ cfg Config }

// New returns a Client.
func New(cfg Config) (*Client, error) { return &Client{cfg: cfg}, nil }

// KibanaConfig configures a KibanaClient.
type KibanaConfig struct {
	URL       string
	APIKey    string
	Username  string
	Password  string
	Transport http.RoundTripper
	UserAgent string
}

// KibanaClient talks to the Kibana role API.
type KibanaClient struct{ cfg KibanaConfig }

// NewKibana returns a KibanaClient.
func NewKibana(cfg KibanaConfig) (*KibanaClient, error) { return &KibanaClient{cfg: cfg}, nil }
