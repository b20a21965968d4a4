package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var nameRule = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

type serverRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type snapshotJSON struct {
	ID          int64         `json:"id"`
	Server      serverRefJSON `json:"server"`
	Name        string        `json:"name"`
	Status      string        `json:"status"`
	SizeMB      *int64        `json:"size_mb"`
	CreatedAt   string        `json:"created_at"`
	Description string        `json:"description"`
	Message     string        `json:"message,omitempty"`
}

type serverJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type listJSON struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

func (s *Simulator) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v1/snapshots/{$}", s.authed(s.listSnapshots))
	m.HandleFunc("POST /api/v1/snapshots/{$}", s.authed(s.createSnapshot))
	m.HandleFunc("POST /api/v1/snapshots/{id}/restore/{$}", s.authed(s.restoreSnapshot))
	m.HandleFunc("DELETE /api/v1/snapshots/{id}/{$}", s.authed(s.deleteSnapshot))
	if !s.opts.NoServersAPI {
		m.HandleFunc("GET /api/v1/servers/{$}", s.authed(s.listServers))
		m.HandleFunc("GET /api/v1/servers/{id}/{$}", s.authed(s.getServer))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { detail(w, http.StatusNotFound, "Not found.") })
	s.mux = m
}

// ServeHTTP answers one API request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	key := pattern
	if key == "" || key == "/" {
		key = r.Method + " " + r.URL.Path
	}
	key = strings.TrimSuffix(key, "{$}")
	s.mu.Lock()
	s.calls[key]++
	if len(s.requests) == maxRequests {
		s.requests = append(s.requests[:0], s.requests[maxRequests/2:]...) // the newest half
	}
	s.requests = append(s.requests, Request{Time: s.opts.Now(), Key: key})
	// Only accounts' tokens: a stream of made-up ones must not grow the map.
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.accounts[tok] != nil {
		s.byToken[tok]++
	}
	fault, hit := s.takeFault(key)
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		if !sleep(r, latency) {
			return
		}
	}
	if hit && s.inject(w, r, fault) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

type handler func(w http.ResponseWriter, r *http.Request, acc *account, now time.Time)

// authed checks the bearer token and runs h under the lock, with time advanced.
func (s *Simulator) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if auth == "" {
			detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		acc := s.accounts[token]
		if !ok || acc == nil {
			detail(w, http.StatusUnauthorized, "Invalid token.")
			return
		}
		h(w, r, acc, s.opts.Now())
	}
}

func (s *Simulator) render(sn *snapshot) snapshotJSON {
	srv := s.servers[sn.serverID]
	return snapshotJSON{
		ID:          sn.id,
		Server:      serverRefJSON{ID: srv.id, Name: srv.name},
		Name:        sn.name,
		Status:      sn.status,
		SizeMB:      sn.sizeMB,
		CreatedAt:   sn.createdAt.UTC().Format(time.RFC3339),
		Description: sn.description,
	}
}

// page writes one DRF page of items with absolute next/previous links.
func (s *Simulator) page(w http.ResponseWriter, r *http.Request, items []any) {
	n, ok := pageNumber(r)
	size := s.opts.PageSize
	last := (len(items) + size - 1) / size
	if last == 0 {
		last = 1
	}
	if !ok || n > last {
		detail(w, http.StatusNotFound, "Invalid page.")
		return
	}
	from := (n - 1) * size
	to := min(from+size, len(items))
	link := func(p int) *string {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		u := fmt.Sprintf("%s://%s%s?%s", scheme, r.Host, r.URL.Path, q.Encode())
		return &u
	}
	out := listJSON{Count: len(items), Results: items[from:to]}
	if n < last {
		out.Next = link(n + 1)
	}
	if n > 1 {
		out.Previous = link(n - 1)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) listSnapshots(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	var filter int64
	if v := r.URL.Query().Get("server_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string][]string{"server_id": {"A valid integer is required."}})
			return
		}
		filter = id
	}
	var list []*snapshot
	for _, sn := range s.snaps {
		srv := s.servers[sn.serverID]
		if srv.owner != acc.token || (filter != 0 && sn.serverID != filter) {
			continue
		}
		s.advanceSnapshot(sn, now)
		list = append(list, sn)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].createdAt.Equal(list[j].createdAt) {
			return list[i].createdAt.After(list[j].createdAt)
		}
		return list[i].id > list[j].id
	})
	items := make([]any, len(list))
	for i, sn := range list {
		items[i] = s.render(sn)
	}
	s.page(w, r, items)
}

func (s *Simulator) ownServer(acc *account, id int64) *server {
	srv := s.servers[id]
	if srv == nil || srv.owner != acc.token {
		return nil
	}
	return srv
}

func (s *Simulator) ownSnapshot(acc *account, r *http.Request) *snapshot {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	sn := s.snaps[id]
	if sn == nil || s.servers[sn.serverID].owner != acc.token {
		return nil
	}
	return sn
}

func (s *Simulator) createSnapshot(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	var body struct {
		ServerID    json.RawMessage `json:"server_id"`
		Name        *string         `json:"name"`
		Description *string         `json:"description"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(data, &body) != nil {
		detail(w, http.StatusBadRequest, "JSON parse error.")
		return
	}
	fields := map[string][]string{}
	var serverID int64
	if len(body.ServerID) == 0 || string(body.ServerID) == "null" {
		fields["server_id"] = []string{"This field is required."}
	} else if err := json.Unmarshal(body.ServerID, &serverID); err != nil {
		var str string
		if json.Unmarshal(body.ServerID, &str) != nil {
			fields["server_id"] = []string{"A valid integer is required."}
		} else if serverID, err = strconv.ParseInt(str, 10, 64); err != nil {
			fields["server_id"] = []string{"A valid integer is required."}
		}
	}
	switch {
	case body.Name == nil || *body.Name == "":
		fields["name"] = []string{"This field is required."}
	case len(*body.Name) > 100:
		fields["name"] = []string{"Ensure this field has no more than 100 characters."}
	case !nameRule.MatchString(*body.Name):
		fields["name"] = []string{"Snapshot names may contain only letters, digits, hyphens and underscores."}
	}
	desc := ""
	if body.Description != nil {
		desc = *body.Description
		if len([]rune(desc)) > 500 {
			fields["description"] = []string{"Ensure this field has no more than 500 characters."}
		}
	}
	if len(fields) > 0 {
		writeJSON(w, http.StatusBadRequest, fields)
		return
	}
	srv := s.ownServer(acc, serverID)
	if srv == nil {
		detail(w, http.StatusNotFound, "Server not found.")
		return
	}
	s.advanceServer(srv, now)
	if srv.status == "restoring" {
		detail(w, http.StatusBadRequest, "Server "+srv.name+" is being restored; create the snapshot once it is running again.")
		return
	}
	count := 0
	for _, sn := range s.snaps {
		if sn.serverID == srv.id {
			count++
		}
	}
	if count >= Limit {
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {
			fmt.Sprintf("Snapshot limit reached: server %s already has %d snapshots. Delete one before creating another.", srv.name, Limit)}})
		return
	}
	s.nextSnap++
	sn := &snapshot{
		id: s.nextSnap, serverID: srv.id, name: *body.Name, status: "in_progress",
		createdAt: now.UTC().Truncate(time.Second), readyAt: now.Add(s.opts.SnapshotDelay), description: desc,
	}
	s.snaps[sn.id] = sn
	out := s.render(sn)
	out.Message = "Snapshot is being created. This may take 3-10 minutes depending on server size."
	writeJSON(w, http.StatusCreated, out)
}

func (s *Simulator) restoreSnapshot(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	sn := s.ownSnapshot(acc, r)
	if sn == nil {
		detail(w, http.StatusNotFound, "Snapshot not found.")
		return
	}
	s.advanceSnapshot(sn, now)
	srv := s.servers[sn.serverID]
	s.advanceServer(srv, now)
	if srv.status == "restoring" {
		detail(w, http.StatusBadRequest, "Server "+srv.name+" is not in a valid state for restoration: a restore is already running.")
		return
	}
	if sn.status != "completed" {
		detail(w, http.StatusBadRequest, "Snapshot "+sn.name+" is not complete and cannot be restored yet.")
		return
	}
	srv.status = "restoring"
	srv.restoreUntil = now.Add(s.opts.RestoreDelay)
	writeJSON(w, http.StatusOK, map[string]any{
		"status":  "success",
		"message": "Server is being restored from snapshot. This may take 5-15 minutes.",
		"snapshot": map[string]any{
			"id": sn.id, "name": sn.name, "created_at": sn.createdAt.UTC().Format(time.RFC3339),
		},
		"server": serverJSON{ID: srv.id, Name: srv.name, Status: srv.status},
	})
}

func (s *Simulator) deleteSnapshot(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	sn := s.ownSnapshot(acc, r)
	if sn == nil {
		detail(w, http.StatusNotFound, "Snapshot not found.")
		return
	}
	delete(s.snaps, sn.id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) listServers(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	items := make([]any, 0, len(acc.servers))
	for _, id := range acc.servers {
		srv := s.servers[id]
		s.advanceServer(srv, now)
		items = append(items, serverJSON{ID: srv.id, Name: srv.name, Status: srv.status})
	}
	s.page(w, r, items)
}

func (s *Simulator) getServer(w http.ResponseWriter, r *http.Request, acc *account, now time.Time) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	srv := s.ownServer(acc, id)
	if err != nil || srv == nil {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	s.advanceServer(srv, now)
	writeJSON(w, http.StatusOK, serverJSON{ID: srv.id, Name: srv.name, Status: srv.status})
}
