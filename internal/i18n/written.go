package i18n

// writtenSentences are the formats the code writes with Nf, kept in the
// record: the only sentences Word reads back out of a text. A sentence
// only ever shown (T's) is never read back, so that words that are no
// sentence of Snapdash's — VPS.org's, a person's — are not taken for one
// ("Snapshot limit reached on this plan" is not "%s on %s"). A test keeps
// every Nf call listed, and nothing listed the code does not say.
func writtenSentences() []string {
	return []string{
		// A schedule's summary, kept in English in the records of its
		// changes and runs (schedules.Schedule.DescribeIn, schedule.SummaryIn).
		"%s, keeps its %d newest",
		"%s, keeps its %d newest, skips while the server restores",
		"every %d hours from %s UTC",
		"every %s at %s UTC",
		"every day at %s UTC",
		"every hour at :%s UTC",
		// The jobs a person let finish at sign-out, kept in English in
		// the record of that choice (signout.Service.LetJobsFinish).
		"a %s job on %s",
		"bulk delete of %d snapshots, %d still to delete",
		"restore of %s from %s",
		"snapshot %s of %s, followed until it completes",
		// The code's Nf calls.
		"%s completed, but Snapdash could not read its pins and running restores",
		"%s completed, but VPS.org refused to delete %s: %s",
		"%s completed; %d of its own kept",
		"%s completed; %d of its own kept; deleted %s",
		"%s has %d free slots for a schedule keeping %d",
		"%s is gone from VPS.org",
		"%s is gone from VPS.org before it completed",
		"%s meanwhile",
		"%s was deleted to make room, then %s was taken",
		"%s was deleted to make room; %s",
		"%s was not deleted (%s meanwhile) and %s was not created",
		"%s was not deleted (%s meanwhile) and nothing was restored",
		"%s was not deleted: %s is being restored, and VPS.org takes no snapshot of it meanwhile; %s was not created",
		"%s was not deleted: %s is being restored, and VPS.org takes no snapshot of it meanwhile; nothing was restored",
		"%s was still %s after %d min",
		"%s; deleted first to make room: %s",
		"%s; nothing was deleted",
		"Its last %d runs failed, so Snapdash paused it. The last said: %s. Resume it once that is fixed.",
		"Its last %d runs were skipped, so it has taken no snapshot since. The last said: %s.",
		"VPS.org refused the restore: %s; the safety snapshot %s stays",
		"VPS.org refused the safety snapshot, so nothing was restored: %s",
		"VPS.org refused the snapshot (after %s was deleted to make room): %s",
		"VPS.org refused the snapshot: %s",
		"VPS.org refused to delete %s to make room: %s; nothing was created",
		"VPS.org refused to delete %s, so no safety snapshot was taken and nothing was restored: %s",
		"VPS.org refused: %s",
		"VPS.org reports the snapshot as %s. It still takes one of the server's %d slots: delete it to free the slot, then try again.",
		"VPS.org's answer was lost, but it made the snapshot; %s",
		"cancelled before the restore was sent; the safety snapshot %s stays",
		"changed: %s",
		"created: %s",
		"deleted by %s while it was being taken",
		"deleting %s first to make room",
		"deleting %s, then safety snapshot %s first",
		"due %s UTC, %s",
		"in a bulk delete: %s",
		"it is not known whether VPS.org received the create, and %s is not listed; it was not sent again",
		"its own snapshots still in progress fill its keep count (%d); nothing was created",
		"its schedule was deleted while it ran; %s stays, as an ordinary snapshot",
		"nothing to follow for %s",
		"pinned by %s",
		"pinned by %s: %s",
		"refused by Snapdash before deleting %s: %s Nothing was deleted or restored.",
		"refused by Snapdash before the restore: %s The safety snapshot %s stays; nothing was restored.",
		"refused by Snapdash: %s",
		"retention of the schedule (keeps %d)",
		"retention of the schedule (keeps %d): room made before its next snapshot",
		"run now, %s",
		"safety snapshot %s first",
		"still restoring after %d min",
		"still running after %d min",
		"stopped before the restore: the safety snapshot %s stays; nothing was restored",
		"stopped while deleting %s to make room: it may have been deleted; nothing was restored",
		"stopped while the safety snapshot %s was asked for: it may exist; nothing was restored",
		"the safety snapshot %s %s, so nothing was restored",
		"the safety snapshot %s is gone from VPS.org, so nothing was restored",
		"the safety snapshot %s was still %s after %d min, so nothing was restored",
		"the server has %d of %d snapshots",
		"the server is %s",
		"the server is %s after the restore",
		"the snapshot is pinned by %s: %s",
	}
}
