// Package cloudapi is the Elastic Cloud API client.
package cloudapi

import (
	"net/http"
	"time"
)

// Config configures a Client. (Placeholder: the Cloud client fills this in.)
type Config struct {
	BaseURL        string
	APIKey         string
	OrganizationID string
	Transport      http.RoundTripper
	UserAgent      string
	Timeout        time.Duration
}

// Client talks to the Elastic Cloud API.
type Client struct{ cfg Config }

// New returns a Client.
func New(cfg Config) (*Client, error) { return &Client{cfg: cfg}, nil }
