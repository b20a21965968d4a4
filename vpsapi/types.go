// Package vpsapi is a typed client for the VPS.org Snapshots and Servers APIs.
package vpsapi

import (
	"log/slog"
	"time"
)

// Token is a VPS.org API token. Its String and LogValue methods redact it, so
// passing one to a logger or a format verb never prints the secret.
type Token string

// String shows only the last four characters.
func (t Token) String() string {
	if len(t) <= 4 {
		return "token …"
	}
	return "token …" + string(t[len(t)-4:])
}

// LogValue keeps the token out of structured logs.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// SnapshotLimit is how many snapshots VPS.org keeps per server: it refuses
// one more.
const SnapshotLimit = 5

// Snapshot statuses documented by the API. Others are possible: see Snapshot.InProgress.
const (
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
	StatusError      = "error"
)

// Server statuses seen from the Servers API.
const (
	ServerRunning   = "running"
	ServerStopped   = "stopped"
	ServerRestoring = "restoring"
)

// ServerRef is the server as embedded in a snapshot.
type ServerRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Snapshot is one snapshot of a server.
type Snapshot struct {
	ID          int64     `json:"id"`
	Server      ServerRef `json:"server"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	SizeMB      *int64    `json:"size_mb"`
	CreatedAt   time.Time `json:"created_at"`
	Description string    `json:"description"`
}

// Done reports whether the snapshot reached a terminal state.
func (s Snapshot) Done() bool {
	return s.Status == StatusCompleted || s.Failed()
}

// Failed reports a terminal failure.
func (s Snapshot) Failed() bool {
	return s.Status == StatusFailed || s.Status == StatusError
}

// Server is a server from the Servers API.
type Server struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// CreateRequest is the body of a create call.
type CreateRequest struct {
	ServerID    int64  `json:"server_id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Created is the answer to a create call: the new snapshot and the upstream's message.
type Created struct {
	Snapshot
	Message string `json:"message"`
}

// Restored is the answer to a restore call.
type Restored struct {
	Status   string `json:"status"`
	Message  string `json:"message"`
	Snapshot struct {
		ID        int64     `json:"id"`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"snapshot"`
	Server Server `json:"server"`
}
