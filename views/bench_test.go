package views_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/snapdash/snapdash/internal/i18n"
	"github.com/snapdash/snapdash/views"
	"github.com/snapdash/snapdash/vpsapi"
)

// page5x5 is the snapshots page of 5 servers with 5 snapshots each.
func page5x5() views.Snapshots {
	now := time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	d := views.Snapshots{Page: page()}
	for i := range 5 {
		g := views.ServerGroup{Now: now, ID: int64(100 + i), Name: fmt.Sprintf("server-%d", i), Status: "running", Limit: 5}
		for j := range 5 {
			g.Snapshots = append(g.Snapshots, vpsapi.Snapshot{ID: int64(i*10 + j), Name: fmt.Sprintf("snap-%d", j), Status: "completed",
				SizeMB: size(4096), CreatedAt: now.Add(-time.Duration(j) * 24 * time.Hour), Description: "Nightly snapshot"})
		}
		d.Groups = append(d.Groups, g)
		d.Servers = append(d.Servers, views.ServerOption{ID: g.ID, Name: g.Name})
	}
	return d
}

func BenchmarkSnapshotsPage(b *testing.B) {
	d := page5x5()
	langs, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"", "en", "ca"} {
		ctx := context.Background()
		if lang != "" {
			ctx = i18n.NewContext(ctx, langs.For(lang))
		}
		b.Run("lang="+lang, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := views.SnapshotsPage(d).Render(ctx, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPollFragment(b *testing.B) {
	g := page5x5().Groups[0]
	g.Snapshots[0].Status = "in_progress"
	u := views.Updated{Group: g, Flashes: []views.Flash{{Kind: "ok", Text: "Snapshot snap-1 of server-0 is complete (4.0 GB)."}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := views.UpdatedFragment(u).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
