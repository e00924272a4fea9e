package journal_test

import (
	"context"
	"testing"

	"github.com/crmcom-community/crmauth/serverimpl/journal"
)

// The hook writes into the notes of the request's context, the last word winning, and does
// nothing (no panic) outside a journalled request.
func TestNotes(t *testing.T) {
	journal.NoteReason(context.Background(), "nobody keeps this")
	journal.NoteUpstream(context.Background(), "nobody keeps this")
	if n := journal.NotesFrom(context.Background()); n != nil {
		t.Fatalf("notes outside a request: %+v", n)
	}
	var n journal.Notes
	ctx := journal.WithNotes(context.Background(), &n)
	journal.NoteReason(ctx, "first")
	journal.NoteReason(ctx, "wrong password for jdoe@ps_dev")
	journal.NoteUpstream(ctx, "127.0.0.1:4010")
	if n.Reason != "wrong password for jdoe@ps_dev" || n.Upstream != "127.0.0.1:4010" {
		t.Fatalf("notes %+v", n)
	}
}
