package redisstate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// Journal is the request journal in Redis (a journal.Store): one capped list of compact JSON
// entries, newest at the head, appended and trimmed in one script, so every replica's
// requests are in it and it never holds more than its size. List and Count read the whole
// list (at most its size) and filter it here with journal.Filter.Match.
type Journal struct {
	st   *State
	size int
}

var _ journal.Store = (*Journal)(nil)

// Journal is the journal keeping the newest size entries (journal.DefaultSize when size <= 0).
// Stubs sharing it must use the same size.
func (s *State) Journal(size int) *Journal {
	if size <= 0 {
		size = journal.DefaultSize
	}
	return &Journal{st: s, size: size}
}

// viewsTag is the hash tag of the admin views' keys: the journal and the coverage counts are
// on one Cluster slot, so one script can write both (Recorder).
const viewsTag = "{views}:"

func (j *Journal) key() string { return j.st.prefix + viewsTag + "journal" }

// appendScript: KEYS[1] the list, KEYS[2] the coverage hash, KEYS[3] (with a shared clock)
// the clock's offset; ARGV the entry, the size, the coverage field to count ("" for none), and
// with KEYS[3] the request's arrival by the wall clock (µs): the entry is then given without
// its time (its JSON after '{"t":0,'), and its time is the arrival plus the offset.
var appendScript = &script{src: clockLua + `
local e = ARGV[1]
if KEYS[3] then
  local o = clock(KEYS[3])
  e = '{"t":' .. string.format('%d', tonumber(ARGV[4]) + o) .. '000,' .. e
end
redis.call('LPUSH', KEYS[1], e)
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[3], 1) end
return 1
`}

// entry is journal.Entry in short JSON: about 150 bytes for a token request.
type entry struct {
	T  int64   `json:"t"` // Unix nanoseconds
	O  string  `json:"o,omitempty"`
	M  string  `json:"m"`
	P  string  `json:"p"`
	S  int     `json:"s"`
	C  string  `json:"c,omitempty"`
	ID string  `json:"id,omitempty"` // jti
	H  *holder `json:"h,omitempty"`
	L  int64   `json:"l,omitempty"` // latency, nanoseconds
	F  string  `json:"f,omitempty"`
	A  string  `json:"a,omitempty"` // client address
	R  string  `json:"r,omitempty"` // reason
	U  string  `json:"u,omitempty"` // upstream
}

type holder struct {
	U   string `json:"u"`
	Org string `json:"org"`
	Oun string `json:"oun"`
	Cii string `json:"cii,omitempty"`
	Ari string `json:"ari,omitempty"`
}

func toEntry(e journal.Entry) entry {
	out := entry{T: e.Time.UnixNano(), O: e.Operation, M: e.Method, P: e.Path, S: e.Status, C: e.Code,
		L: int64(e.Latency), F: e.Fault, A: e.Client, R: e.Reason, U: e.Upstream}
	if e.HasSession {
		out.ID = e.Session.String()
	}
	if h := e.Holder; h != nil {
		out.H = &holder{h.Username, h.Organisation, h.Unit, h.Contact, h.AccountsReceivable}
	}
	return out
}

func (e entry) journal() journal.Entry {
	out := journal.Entry{Time: time.Unix(0, e.T), Operation: e.O, Method: e.M, Path: e.P, Status: e.S,
		Code: e.C, Latency: time.Duration(e.L), Fault: e.F, Client: e.A, Reason: e.R, Upstream: e.U}
	if id, ok := sessions.ParseID(e.ID); ok {
		out.Session, out.HasSession = id, true
	}
	if h := e.H; h != nil {
		out.Holder = &sessions.Holder{Username: h.U, Organisation: h.Org, Unit: h.Oun, Contact: h.Cii, AccountsReceivable: h.Ari}
	}
	return out
}

// Append implements journal.Store. While Redis does not answer (the last operation of this
// State failed) it does not try and returns nil: the request was answered, and the outage is
// logged once (see State.recording).
func (j *Journal) Append(ctx context.Context, e journal.Entry) error {
	return j.append(ctx, e, "")
}

// append appends e and, unless field is "", counts field in the coverage hash: one script.
//
// With a shared clock the entry's time is the request's arrival by the wall clock (now less
// its latency) plus the offset: on a single node or Sentinel the offset the script reads in
// Redis, so that a request that came after a move on another replica is stamped by the moved
// clock even when it asked Redis nothing else; on a Cluster (the offset's key is on another
// slot) the copy in memory, which the request's own round trips brought up to date.
func (j *Journal) append(ctx context.Context, e journal.Entry, field string) error {
	if !j.st.recording() {
		return nil
	}
	keys := []string{j.key(), coverageKey(j.st)}
	var arrival int64
	o := j.st.offset
	if o != nil {
		arrival = time.Now().UnixMicro() - e.Latency.Microseconds()
		if j.st.b.cluster() {
			e.Time = time.UnixMicro(arrival).Add(o.Offset())
			o = nil
		} else {
			e.Time = time.Unix(0, 0) // "t":0, which the script replaces
		}
	}
	b, err := json.Marshal(toEntry(e))
	if err != nil {
		return err
	}
	args := []any{b, j.size, field}
	if o != nil {
		rest, ok := bytes.CutPrefix(b, untimed)
		if !ok {
			return errors.New("redisstate: a journal entry whose JSON does not start with its time")
		}
		keys = append(keys, j.st.clockKey())
		args = append(args[:0], rest, j.size, field, arrival)
	}
	ctx, cancel := j.st.bound(ctx)
	defer cancel()
	_, err = j.st.b.runKeys(ctx, appendScript, keys, args...)
	return j.st.observe(err)
}

// untimed starts the JSON of an entry whose time the script writes (toEntry of a zero Time).
var untimed = []byte(`{"t":0,`)

// Recorder writes a request's journal entry and its coverage count in one round trip (a
// journal.Recorder), where Journal.Append and Coverage.Add would take two.
type Recorder struct{ j *Journal }

// Recorder is the journal.Recorder of journal j and this State's Coverage.
func (s *State) Recorder(j *Journal) *Recorder { return &Recorder{j: j} }

// Record implements journal.Recorder.
func (r *Recorder) Record(ctx context.Context, e journal.Entry, counted bool) error {
	field := ""
	if counted {
		field = coverageField(e.Operation, e.Status, e.Code)
	}
	return r.j.append(ctx, e, field)
}

// each calls fn with the entries newest first until fn returns false.
func (j *Journal) each(ctx context.Context, fn func(*journal.Entry) bool) error {
	ctx, cancel := j.st.bound(ctx)
	defer cancel()
	raw, err := j.st.b.lrange(ctx, j.key())
	if err := j.st.observe(err); err != nil {
		return err
	}
	for _, r := range raw {
		var e entry
		if json.Unmarshal([]byte(r), &e) != nil {
			continue
		}
		je := e.journal()
		if !fn(&je) {
			return nil
		}
	}
	return nil
}

// List implements journal.Store.
func (j *Journal) List(ctx context.Context, f journal.Filter) ([]journal.Entry, error) {
	out := []journal.Entry{}
	err := j.each(ctx, func(e *journal.Entry) bool {
		if f.Match(e) {
			out = append(out, *e)
		}
		return f.Limit <= 0 || len(out) < f.Limit
	})
	return out, err
}

// Count implements journal.Store.
func (j *Journal) Count(ctx context.Context, f journal.Filter) (int, error) {
	n := 0
	err := j.each(ctx, func(e *journal.Entry) bool {
		if f.Match(e) {
			n++
		}
		return true
	})
	return n, err
}

// Clear implements journal.Store.
func (j *Journal) Clear(ctx context.Context) error {
	ctx, cancel := j.st.bound(ctx)
	defer cancel()
	return j.st.observe(j.st.b.del(ctx, j.key()))
}
