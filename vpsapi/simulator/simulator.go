// Package simulator is an in-memory, HTTP-speaking stand-in for the VPS.org
// Snapshots and Servers APIs, faithful to the contract in shared/seed/API.md.
// Snapdash runs on it when no upstream URL is configured, and the tests use it
// over real HTTP.
package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DemoToken is the token of the seeded demo account.
const DemoToken = "demo-snapdash-token-2025"

// DemoAutomationToken is a second token of the demo account, for the
// schedules of a demo run.
const DemoAutomationToken = "demo-automation-token-2025"

// Limit is the number of snapshots a server may hold.
const Limit = 5

// Options tune the simulator. Zero values take the defaults noted.
type Options struct {
	SnapshotDelay time.Duration    // in_progress → completed; default 20s
	RestoreDelay  time.Duration    // restoring → running; default 30s
	PageSize      int              // results per list page; default 10
	Latency       time.Duration    // added to every answer
	Now           func() time.Time // default time.Now
	NoDemo        bool             // leave out the demo account
	NoServersAPI  bool             // answer 404 for /api/v1/servers/, as a deployment without it would
	// FailSnapshotsNamed makes snapshots whose name starts with it end
	// "failed" instead of "completed" (for tests and demos); "" fails none.
	FailSnapshotsNamed string
}

// Simulator holds every account's servers and snapshots.
type Simulator struct {
	opts Options

	mu       sync.Mutex
	accounts map[string]*account
	servers  map[int64]*server // all accounts, by id
	snaps    map[int64]*snapshot
	nextSnap int64
	nextSrv  int64
	calls    map[string]int
	requests []Request
	failing  string // FailSnapshotsNamed, changeable by FailSnapshotsNamed
	byToken  map[string]int
	latency  time.Duration
	fault    Fault
	mux      *http.ServeMux
}

type account struct {
	token   string
	servers []int64
}

type server struct {
	id           int64
	owner        string
	name         string
	status       string
	restoreUntil time.Time
}

type snapshot struct {
	id          int64
	serverID    int64
	name        string
	status      string
	sizeMB      *int64
	createdAt   time.Time
	readyAt     time.Time
	description string
}

// New returns a simulator, seeded with the demo account unless opts.NoDemo.
func New(opts Options) *Simulator {
	if opts.SnapshotDelay <= 0 {
		opts.SnapshotDelay = 20 * time.Second
	}
	if opts.RestoreDelay <= 0 {
		opts.RestoreDelay = 30 * time.Second
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Simulator{
		opts:     opts,
		accounts: map[string]*account{},
		servers:  map[int64]*server{},
		snaps:    map[int64]*snapshot{},
		nextSnap: 900,
		nextSrv:  20000,
		calls:    map[string]int{},
		byToken:  map[string]int{},
		latency:  opts.Latency,
		failing:  opts.FailSnapshotsNamed,
	}
	s.routes()
	if !opts.NoDemo {
		s.seedDemo()
	}
	return s
}

// ServerSeed describes a server to add to an account.
type ServerSeed struct {
	ID        int64 // 0 picks one
	Name      string
	Status    string // default running
	Snapshots []SnapshotSeed
}

// SnapshotSeed describes a snapshot to add to a server.
type SnapshotSeed struct {
	ID          int64 // 0 picks one
	Name        string
	Status      string // default completed
	SizeMB      int64
	CreatedAt   time.Time // default now
	Description string
}

// AddAccount creates (or extends) the account of token with servers, and
// returns their ids in order.
func (s *Simulator) AddAccount(token string, servers ...ServerSeed) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[token]
	if acc == nil {
		acc = &account{token: token}
		s.accounts[token] = acc
	}
	ids := make([]int64, 0, len(servers))
	for _, seed := range servers {
		id := seed.ID
		if id == 0 {
			s.nextSrv++
			id = s.nextSrv
		}
		status := seed.Status
		if status == "" {
			status = "running"
		}
		srv := &server{id: id, owner: token, name: seed.Name, status: status}
		if status == "restoring" {
			srv.restoreUntil = s.opts.Now().Add(s.opts.RestoreDelay)
		}
		s.servers[id] = srv
		acc.servers = append(acc.servers, id)
		ids = append(ids, id)
		for _, ss := range seed.Snapshots {
			s.addSnapshot(id, ss)
		}
	}
	return ids
}

// AddToken gives another token the account of sameAs, as an operator issues
// a second token (an automation token) for the same servers. It does nothing
// when sameAs has no account.
func (s *Simulator) AddToken(token, sameAs string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if acc := s.accounts[sameAs]; acc != nil {
		s.accounts[token] = acc
	}
}

// AddSnapshot adds a snapshot to an existing server, whatever the limit.
func (s *Simulator) AddSnapshot(serverID int64, seed SnapshotSeed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers[serverID] == nil {
		return fmt.Errorf("simulator: no server %d", serverID)
	}
	s.addSnapshot(serverID, seed)
	return nil
}

// addSnapshot seeds one snapshot. Called under mu.
func (s *Simulator) addSnapshot(serverID int64, ss SnapshotSeed) {
	sid := ss.ID
	if sid == 0 {
		s.nextSnap++
		sid = s.nextSnap
	}
	st := ss.Status
	if st == "" {
		st = "completed"
	}
	created := ss.CreatedAt
	if created.IsZero() {
		created = s.opts.Now().UTC()
	}
	snap := &snapshot{id: sid, serverID: serverID, name: ss.Name, status: st, createdAt: created, description: ss.Description}
	if st == "completed" {
		size := ss.SizeMB
		snap.sizeMB = &size
	}
	if st == "in_progress" {
		snap.readyAt = s.opts.Now().Add(s.opts.SnapshotDelay)
	}
	s.snaps[sid] = snap
}

func (s *Simulator) seedDemo() {
	at := func(v string) time.Time {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			panic(err)
		}
		return t
	}
	s.AddAccount(DemoToken,
		ServerSeed{ID: 12345, Name: "web-server-01", Snapshots: []SnapshotSeed{
			{ID: 801, Name: "pre-migration-snapshot", SizeMB: 5120, CreatedAt: at("2025-01-15T18:30:00Z"), Description: "Before major migration"},
			{ID: 798, Name: "weekly-snapshot-2025-01-08", SizeMB: 4856, CreatedAt: at("2025-01-08T12:00:00Z"), Description: "Weekly snapshot"},
		}},
		ServerSeed{ID: 12346, Name: "db-server-01", Status: "stopped", Snapshots: []SnapshotSeed{
			{ID: 805, Name: "before-postgres-16", SizeMB: 20480, CreatedAt: at("2025-01-12T09:05:00Z"), Description: "Before the PostgreSQL 16 upgrade"},
		}},
		ServerSeed{ID: 12347, Name: "staging-01", Snapshots: []SnapshotSeed{
			{ID: 810, Name: "release-1-4", SizeMB: 3072, CreatedAt: at("2025-01-02T10:00:00Z"), Description: "Release 1.4"},
			{ID: 811, Name: "release-1-5", SizeMB: 3100, CreatedAt: at("2025-01-06T10:00:00Z"), Description: "Release 1.5"},
			{ID: 812, Name: "release-1-6", SizeMB: 3150, CreatedAt: at("2025-01-09T10:00:00Z"), Description: "Release 1.6"},
			{ID: 813, Name: "release-1-7", SizeMB: 3188, CreatedAt: at("2025-01-13T10:00:00Z"), Description: "Release 1.7"},
			{ID: 814, Name: "release-1-8", SizeMB: 3201, CreatedAt: at("2025-01-16T10:00:00Z"), Description: "Release 1.8"},
		}},
		ServerSeed{ID: 12348, Name: "build-runner-01"},
	)
	s.accounts[DemoAutomationToken] = s.accounts[DemoToken]
}

// Calls returns how many requests reached key, such as "GET /api/v1/snapshots/"
// or "GET /api/v1/servers/{id}/".
func (s *Simulator) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

// TotalCalls counts every request since the last ResetCalls.
func (s *Simulator) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.calls {
		n += v
	}
	return n
}

// ChangingCalls counts the requests since the last ResetCalls that could
// change something (every method but GET).
func (s *Simulator) ChangingCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.calls {
		if !strings.HasPrefix(k, "GET ") {
			n += v
		}
	}
	return n
}

// ResetCalls zeroes the call counters.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
	clear(s.byToken)
}

// TokenCalls counts the requests that carried token, an account's, since the last ResetCalls.
func (s *Simulator) TokenCalls(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byToken[token]
}

// SetLatency changes the delay added to every answer.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetSnapshotDelay sets how long the snapshots created from now on take
// to complete.
func (s *Simulator) SetSnapshotDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.SnapshotDelay = d
}

// SnapshotState is what tests read back of a snapshot.
type SnapshotState struct {
	ID       int64
	ServerID int64
	Name     string
	Status   string
	ReadyAt  time.Time // when it completes (or completed); zero if it never does
}

// Snapshots returns the snapshots of token's account, by id.
func (s *Simulator) Snapshots(token string) []SnapshotState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var out []SnapshotState
	for _, sn := range s.snaps {
		srv := s.servers[sn.serverID]
		if srv == nil || srv.owner != token {
			continue
		}
		s.advanceSnapshot(sn, now)
		out = append(out, SnapshotState{ID: sn.id, ServerID: sn.serverID, Name: sn.name, Status: sn.status, ReadyAt: sn.readyAt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ServerStatus returns the live status of a server, "" when unknown.
func (s *Simulator) ServerStatus(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	srv := s.servers[id]
	if srv == nil {
		return ""
	}
	s.advanceServer(srv, s.opts.Now())
	return srv.status
}

// advanceSnapshot moves a snapshot along once its time has come. Called under mu.
func (s *Simulator) advanceSnapshot(sn *snapshot, now time.Time) {
	if sn.status == "in_progress" && !sn.readyAt.IsZero() && !now.Before(sn.readyAt) {
		if s.failing != "" && strings.HasPrefix(sn.name, s.failing) {
			sn.status = "failed"
			return
		}
		sn.status = "completed"
		size := 1024 + (sn.id*733)%8192
		sn.sizeMB = &size
	}
}

// FailSnapshotsNamed makes snapshots in progress whose name starts with
// prefix end "failed" ("" stops failing them).
func (s *Simulator) FailSnapshotsNamed(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = prefix
}

// Request is one call the simulator received: when, and its key such as
// "POST /api/v1/snapshots/".
type Request struct {
	Time time.Time
	Key  string
}

// maxRequests bounds the request log.
const maxRequests = 10000

// Requests is the log of calls received, oldest first (the newest ones, at
// most maxRequests), on the simulator's clock.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Simulator) advanceServer(srv *server, now time.Time) {
	if srv.status == "restoring" && !now.Before(srv.restoreUntil) {
		srv.status = "running"
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

func pageNumber(r *http.Request) (int, bool) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 1, true
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 1
}

// RevokeToken removes an account's token, as if revoked at VPS.org: its servers stay.
func (s *Simulator) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.accounts, token)
}
