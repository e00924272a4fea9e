package admin

import (
	"context"
	"errors"
	"time"

	adminapi "github.com/crmcom-community/crmauth/gen/admin"
	"github.com/crmcom-community/crmauth/serverimpl/coverage"
	"github.com/crmcom-community/crmauth/serverimpl/journal"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// handlers implements the generated strict server interface: each method calls Admin and maps
// its answer to the route's response type. Parameters arrive validated against admin.yaml.
type handlers struct{ a *Admin }

var _ adminapi.StrictServerInterface = (*handlers)(nil)

const (
	defaultRequestLimit = 100
	defaultSessionLimit = 1000
)

func (h *handlers) GetClock(ctx context.Context, _ adminapi.GetClockRequestObject) (adminapi.GetClockResponseObject, error) {
	if _, err := h.a.NowContext(ctx); err != nil {
		return adminapi.GetClock503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	return adminapi.GetClock200JSONResponse{ClockJSONResponse: h.clock()}, nil
}

func (h *handlers) AdvanceClock(ctx context.Context, r adminapi.AdvanceClockRequestObject) (adminapi.AdvanceClockResponseObject, error) {
	secs := r.Body.Seconds
	err := h.a.AdvanceClock(ctx, time.Duration(secs*float64(time.Second)))
	switch {
	case errors.Is(err, ErrClockRange):
		return adminapi.AdvanceClock400JSONResponse{BadRequestJSONResponse: adminapi.BadRequestJSONResponse(
			failure(adminapi.ErrorCodeInvalidRequest, "seconds: "+err.Error()))}, nil
	case err != nil:
		return adminapi.AdvanceClock503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	return adminapi.AdvanceClock200JSONResponse{ClockJSONResponse: h.clock()}, nil
}

func (h *handlers) ResetClock(ctx context.Context, _ adminapi.ResetClockRequestObject) (adminapi.ResetClockResponseObject, error) {
	if err := h.a.ResetClock(ctx); err != nil {
		return adminapi.ResetClock503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	return adminapi.ResetClock200JSONResponse{ClockJSONResponse: h.clock()}, nil
}

func (h *handlers) clock() adminapi.ClockJSONResponse {
	now := h.a.Now()
	return adminapi.ClockJSONResponse{Data: adminapi.ClockData{Now: now.UTC(), Unix: now.Unix()}, Status: ok()}
}

func journalFilter(operation, code *string, status *int, session *string, since *time.Time, reason *string) journal.Filter {
	var f journal.Filter
	if reason != nil {
		f.Reason = *reason
	}
	if operation != nil {
		f.Operation = *operation
	}
	if code != nil {
		f.Code = *code
	}
	if status != nil {
		f.Status = *status
	}
	if session != nil {
		if id, ok := sessions.ParseID(*session); ok {
			f.Session = &id
		} else { // the document's pattern lets only a jti through; match nothing all the same
			f.Session = &sessions.ID{}
			f.Status = -1
		}
	}
	if since != nil {
		f.Since = *since
	}
	return f
}

func (h *handlers) ListRequests(ctx context.Context, r adminapi.ListRequestsRequestObject) (adminapi.ListRequestsResponseObject, error) {
	p := r.Params
	f := journalFilter(p.Operation, p.Code, p.Status, p.Session, p.Since, p.Reason)
	n, err := h.a.CountRequests(ctx, f)
	if err != nil {
		return adminapi.ListRequests503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	f.Limit = defaultRequestLimit
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	entries, err := h.a.Requests(ctx, f)
	if err != nil {
		return adminapi.ListRequests503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	var answer adminapi.ListRequests200JSONResponse
	answer.Status = ok()
	answer.Data.Count = max(n, len(entries)) // entries may have come in between the two calls
	answer.Data.Requests = make([]adminapi.RequestEntry, len(entries))
	for i := range entries {
		answer.Data.Requests[i] = RequestEntry(&entries[i])
	}
	return answer, nil
}

func (h *handlers) CountRequests(ctx context.Context, r adminapi.CountRequestsRequestObject) (adminapi.CountRequestsResponseObject, error) {
	p := r.Params
	n, err := h.a.CountRequests(ctx, journalFilter(p.Operation, p.Code, p.Status, p.Session, p.Since, p.Reason))
	if err != nil {
		return adminapi.CountRequests503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	var answer adminapi.CountRequests200JSONResponse
	answer.Status, answer.Data.Count = ok(), n
	return answer, nil
}

func (h *handlers) ClearRequests(ctx context.Context, _ adminapi.ClearRequestsRequestObject) (adminapi.ClearRequestsResponseObject, error) {
	if err := h.a.ClearRequests(ctx); err != nil {
		return adminapi.ClearRequests503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	return adminapi.ClearRequests200JSONResponse{DoneJSONResponse: adminapi.DoneJSONResponse{Status: ok()}}, nil
}

func (h *handlers) ListSessions(ctx context.Context, r adminapi.ListSessionsRequestObject) (adminapi.ListSessionsResponseObject, error) {
	p := r.Params
	f := SessionFilter{Limit: defaultSessionLimit}
	if p.State != nil {
		f.State = parseState(string(*p.State))
	}
	if p.Username != nil {
		f.Username = *p.Username
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	list, n, err := h.a.Sessions(ctx, f)
	if err != nil {
		return adminapi.ListSessions503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	var answer adminapi.ListSessions200JSONResponse
	answer.Status, answer.Data.Count = ok(), n
	answer.Data.Sessions = make([]adminapi.Session, len(list))
	for i := range list {
		answer.Data.Sessions[i] = SessionModel(&list[i])
	}
	return answer, nil
}

func (h *handlers) EndSession(ctx context.Context, r adminapi.EndSessionRequestObject) (adminapi.EndSessionResponseObject, error) {
	id, valid := sessions.ParseID(r.Jti)
	as := sessions.StateReleased
	if r.Params.As != nil && *r.Params.As == adminapi.EndSessionParamsAs("expired") {
		as = sessions.StateExpired
	}
	if !valid {
		return adminapi.EndSession400JSONResponse{BadRequestJSONResponse: adminapi.BadRequestJSONResponse(
			failure(adminapi.ErrorCodeInvalidRequest, "jti: give 32 upper-case hexadecimal digits"))}, nil
	}
	s, was, err := h.a.EndSession(ctx, id, as)
	switch {
	case errors.Is(err, ErrNoSession):
		return adminapi.EndSession404JSONResponse{SessionNotFoundJSONResponse: adminapi.SessionNotFoundJSONResponse(
			failure(adminapi.ErrorCodeNotFound, "no session "+id.String()))}, nil
	case err != nil:
		return adminapi.EndSession503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	var answer adminapi.EndSession200JSONResponse
	answer.Status = ok()
	answer.Data.Session, answer.Data.Was = SessionModel(&s), adminapi.SessionState(was.String())
	return answer, nil
}

func (h *handlers) Reset(ctx context.Context, _ adminapi.ResetRequestObject) (adminapi.ResetResponseObject, error) {
	fixtures, err := h.a.Reset(ctx)
	switch {
	case errors.Is(err, ErrFixtures):
		return adminapi.Reset422JSONResponse{InvalidFixturesJSONResponse: adminapi.InvalidFixturesJSONResponse(
			failure(adminapi.ErrorCodeInvalidFixtures, err.Error()))}, nil
	case err != nil:
		return adminapi.Reset503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	var answer adminapi.Reset200JSONResponse
	answer.Status, answer.Data.Fixtures = ok(), adminapi.ResetEnvelopeDataFixtures(fixtures)
	return answer, nil
}

func (h *handlers) GetCoverage(ctx context.Context, _ adminapi.GetCoverageRequestObject) (adminapi.GetCoverageResponseObject, error) {
	r, err := h.a.Coverage(ctx)
	if err != nil {
		return adminapi.GetCoverage503JSONResponse{ServiceUnavailableJSONResponse: unavailableAnswer(err)}, nil
	}
	return adminapi.GetCoverage200JSONResponse{Data: CoverageModel(r), Status: ok()}, nil
}

func parseState(s string) sessions.State {
	for st := sessions.StateLive; st <= sessions.StateReleased; st++ {
		if st.String() == s {
			return st
		}
	}
	return sessions.StateUnknown
}

// RequestEntry is a journal entry as admin.yaml writes it.
func RequestEntry(e *journal.Entry) adminapi.RequestEntry {
	out := adminapi.RequestEntry{
		Time: e.Time.UTC(), Method: e.Method, Path: e.Path, Status: e.Status,
		LatencyMs: float64(e.Latency) / float64(time.Millisecond), Client: e.Client,
	}
	if e.Operation != "" {
		out.Operation = &e.Operation
	}
	if e.Code != "" {
		out.Code = &e.Code
	}
	if e.HasSession {
		jti := e.Session.String()
		out.Session = &jti
	}
	if e.Holder != nil {
		h := holderModel(e.Holder)
		out.Holder = &h
	}
	if e.Fault != "" {
		out.Fault = &e.Fault
	}
	if e.Reason != "" {
		out.Reason = &e.Reason
	}
	if e.Upstream != "" {
		out.Upstream = &e.Upstream
	}
	return out
}

func holderModel(h *sessions.Holder) adminapi.Holder {
	out := adminapi.Holder{Username: h.Username, Organisation: h.Organisation, Unit: h.Unit}
	if h.Contact != "" {
		out.Contact = &h.Contact
	}
	if h.AccountsReceivable != "" {
		out.AccountsReceivable = &h.AccountsReceivable
	}
	return out
}

// SessionModel is a session as admin.yaml writes it.
func SessionModel(s *Session) adminapi.Session {
	out := adminapi.Session{
		Jti: s.ID.String(), Method: adminapi.SessionMethod(s.Method.String()),
		IssuedAt: sessions.Time(s.IssuedAt).UTC(), LastUse: sessions.Time(s.LastUse).UTC(),
		Deadline: sessions.Time(s.Deadline).UTC(), State: adminapi.SessionState(s.State.String()),
	}
	if s.Holder != nil {
		out.Holder = holderModel(s.Holder)
	}
	if s.Idle > 0 {
		secs := int(s.Idle / time.Second)
		out.IdleSeconds = &secs
	}
	return out
}

// CoverageModel is a coverage report as admin.yaml writes it (and serve --coverage-report).
func CoverageModel(r coverage.Report) adminapi.Coverage {
	out := adminapi.Coverage{Operations: []adminapi.OperationCoverage{}, Never: []adminapi.AnswerKey{}, Undeclared: []adminapi.AnswerKey{}}
	for _, op := range r.Operations {
		o := adminapi.OperationCoverage{Operation: op.Operation, Answers: make([]adminapi.Answer, len(op.Answers))}
		for i, a := range op.Answers {
			o.Answers[i] = adminapi.Answer{Status: a.Status, Code: a.Code, Declared: a.Declared, Count: a.Count}
			if a.Declared {
				out.Declared++
				if a.Count > 0 {
					out.Given++
				}
			}
		}
		out.Operations = append(out.Operations, o)
	}
	for _, k := range r.Never() {
		out.Never = append(out.Never, adminapi.AnswerKey{Operation: k.Operation, Status: k.Status, Code: k.Code})
	}
	for _, k := range r.Undeclared() {
		out.Undeclared = append(out.Undeclared, adminapi.AnswerKey{Operation: k.Operation, Status: k.Status, Code: k.Code})
	}
	return out
}
