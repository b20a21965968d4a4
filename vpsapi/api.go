package vpsapi

import "context"

// API is what Snapdash asks of VPS.org: the Client, the shared reads
// (Shared), and what wraps them.
type API interface {
	ListSnapshots(ctx context.Context, token Token, serverID int64) ([]Snapshot, error)
	ListServers(ctx context.Context, token Token) ([]Server, error)
	GetServer(ctx context.Context, token Token, id int64) (Server, error)
	CreateSnapshot(ctx context.Context, token Token, req CreateRequest) (Created, error)
	RestoreSnapshot(ctx context.Context, token Token, snapshotID int64) (Restored, error)
	DeleteSnapshot(ctx context.Context, token Token, snapshotID int64) error
}
