package vpsapi

import (
	"context"
	"slices"
	"sync"
)

// OnceEach returns a context under which each read of VPS.org (a list, a
// server) is made at most once: callers asking the same question share its
// answer, also while it is on its way, for as long as the context lives. A
// dialog's rules (the snapshot, the limit, what is in use) each ask for the
// server's snapshots; with a slow VPS.org that was three calls in a row.
// A write made under it forgets every answer.
func OnceEach(ctx context.Context) context.Context {
	if _, ok := ctx.Value(onceKey{}).(*answers); ok {
		return ctx
	}
	return context.WithValue(ctx, onceKey{}, &answers{m: map[string]*answer{}})
}

type onceKey struct{}

type answers struct {
	mu sync.Mutex
	m  map[string]*answer
}

type answer struct {
	done chan struct{}
	val  any
	err  error
}

// asked returns the answer to query under ctx's OnceEach, calling once.
// A failed call is not kept: the next caller asks again.
func asked[T any](ctx context.Context, token Token, query string, call func() (T, error)) (T, error) {
	a, ok := ctx.Value(onceKey{}).(*answers)
	if !ok {
		return call()
	}
	key := tokenHash(token) + "|" + query
	a.mu.Lock()
	if got, ok := a.m[key]; ok {
		a.mu.Unlock()
		select {
		case <-got.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if got.err == nil {
			return got.val.(T), nil
		}
		return call()
	}
	mine := &answer{done: make(chan struct{})}
	a.m[key] = mine
	a.mu.Unlock()
	v, err := call()
	mine.val, mine.err = v, err
	if err != nil {
		a.mu.Lock()
		if a.m[key] == mine {
			delete(a.m, key)
		}
		a.mu.Unlock()
	}
	close(mine.done)
	return v, err
}

// askedList is asked for a list: each caller gets its own copy.
func askedList[T any](ctx context.Context, token Token, query string, call func() ([]T, error)) ([]T, error) {
	v, err := asked(ctx, token, query, call)
	return slices.Clone(v), err
}

// forgetAsked drops ctx's kept answers: after a write they are stale.
func forgetAsked(ctx context.Context) {
	if a, ok := ctx.Value(onceKey{}).(*answers); ok {
		a.mu.Lock()
		clear(a.m)
		a.mu.Unlock()
	}
}
