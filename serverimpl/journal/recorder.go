package journal

import "context"

// A Recorder writes what the stub keeps of one answered request: its journal entry and,
// for one of CRM.COM's four methods (counted), the answer's coverage count, in one write where
// Journal.Append and Coverage.Add take two (Options.Recorder). A shared store (redisstate)
// makes it one round trip instead of two on every request.
type Recorder interface {
	Record(ctx context.Context, e Entry, counted bool) error
}
