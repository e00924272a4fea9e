package httpstub

import (
	"context"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl/authority"
)

// handlers implements the generated strict server interface: each method hands the request's
// fields to the authority and maps its answer to the operation's response type. Every expected
// outcome is a typed response; an error return would reach the client as a bare 500.
type handlers struct {
	authority *authority.Authority
}

var _ gen.StrictServerInterface = (*handlers)(nil)

func (h *handlers) Login(ctx context.Context, r gen.LoginRequestObject) (gen.LoginResponseObject, error) {
	b := r.Body
	x := exchangeFrom(ctx)
	t, f := h.authority.Login(ctx, x.client, b.Organisation, b.Username, b.Password, b.Unit)
	x.noteIssued(t, f)
	if f == nil {
		return x.tokenAnswer(t.Token), nil
	}
	body := envelopeOf(f)
	switch statusOf(f) {
	case 400:
		return gen.Login400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
	case 401:
		return gen.Login401JSONResponse{InvalidCredentialsJSONResponse: gen.InvalidCredentialsJSONResponse{
			Body: body, Headers: gen.InvalidCredentialsResponseHeaders{WWWAuthenticate: challenge(codeOf(f))},
		}}, nil
	case 403:
		return gen.Login403JSONResponse{UnitNotAllowedJSONResponse: gen.UnitNotAllowedJSONResponse(body)}, nil
	case 429:
		return gen.Login429JSONResponse{TooManyRequestsJSONResponse: tooManyRequests(f)}, nil
	case 503:
		return gen.Login503JSONResponse{ServiceUnavailableJSONResponse: serviceUnavailable(f)}, nil
	}
	return gen.Login500JSONResponse{InternalErrorJSONResponse: gen.InternalErrorJSONResponse(envelopeOf(internalError()))}, nil
}

func (h *handlers) ReleaseToken(ctx context.Context, r gen.ReleaseTokenRequestObject) (gen.ReleaseTokenResponseObject, error) {
	id, holder, f := h.authority.Release(ctx, r.Body.Token)
	x := exchangeFrom(ctx)
	x.holder = holder
	x.noteOutcome(id, f)
	if f == nil {
		return gen.ReleaseToken200JSONResponse{ReleasedJSONResponse: gen.ReleasedJSONResponse{Data: noData(), Status: okStatus()}}, nil
	}
	body := envelopeOf(f)
	switch statusOf(f) {
	case 400:
		return gen.ReleaseToken400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
	case 401:
		return gen.ReleaseToken401JSONResponse{InvalidTokenJSONResponse: gen.InvalidTokenJSONResponse{
			Body: body, Headers: gen.InvalidTokenResponseHeaders{WWWAuthenticate: challenge(codeOf(f))},
		}}, nil
	case 429:
		return gen.ReleaseToken429JSONResponse{TooManyRequestsJSONResponse: tooManyRequests(f)}, nil
	case 503:
		return gen.ReleaseToken503JSONResponse{ServiceUnavailableJSONResponse: serviceUnavailable(f)}, nil
	}
	return gen.ReleaseToken500JSONResponse{InternalErrorJSONResponse: gen.InternalErrorJSONResponse(envelopeOf(internalError()))}, nil
}

func (h *handlers) GetWebApiKeyToken(ctx context.Context, r gen.GetWebApiKeyTokenRequestObject) (gen.GetWebApiKeyTokenResponseObject, error) {
	var unit *string
	if r.Body != nil {
		unit = r.Body.Unit
	}
	x := exchangeFrom(ctx)
	t, f := h.authority.WebAPIKeyToken(ctx, x.client, x.key, unit)
	x.noteIssued(t, f)
	if f == nil {
		return x.tokenAnswer(t.Token), nil
	}
	body := envelopeOf(f)
	switch statusOf(f) {
	case 400:
		return gen.GetWebApiKeyToken400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
	case 401:
		return gen.GetWebApiKeyToken401JSONResponse{InvalidKeyJSONResponse: gen.InvalidKeyJSONResponse{
			Body: body, Headers: gen.InvalidKeyResponseHeaders{WWWAuthenticate: challenge(codeOf(f))},
		}}, nil
	case 403:
		return gen.GetWebApiKeyToken403JSONResponse{UnitNotAllowedJSONResponse: gen.UnitNotAllowedJSONResponse(body)}, nil
	case 429:
		return gen.GetWebApiKeyToken429JSONResponse{TooManyRequestsJSONResponse: tooManyRequests(f)}, nil
	case 503:
		return gen.GetWebApiKeyToken503JSONResponse{ServiceUnavailableJSONResponse: serviceUnavailable(f)}, nil
	}
	return gen.GetWebApiKeyToken500JSONResponse{InternalErrorJSONResponse: gen.InternalErrorJSONResponse(envelopeOf(internalError()))}, nil
}

func (h *handlers) GetConsumerApplicationKeyToken(ctx context.Context, r gen.GetConsumerApplicationKeyTokenRequestObject) (gen.GetConsumerApplicationKeyTokenResponseObject, error) {
	b := r.Body
	ati := b.AccessTokenIdentifier
	id := authority.AccessTokenIdentifier{AuthenticationCode: ati.AuthenticationCode, Identifier: ati.Identifier, PassCode: ati.PassCode}
	x := exchangeFrom(ctx)
	t, f := h.authority.ConsumerToken(ctx, x.client, x.key, id, b.Unit)
	x.noteIssued(t, f)
	if f == nil {
		return x.tokenAnswer(t.Token), nil
	}
	body := envelopeOf(f)
	switch statusOf(f) {
	case 400:
		return gen.GetConsumerApplicationKeyToken400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
	case 401:
		return gen.GetConsumerApplicationKeyToken401JSONResponse{InvalidKeyOrAccessTokenJSONResponse: gen.InvalidKeyOrAccessTokenJSONResponse{
			Body: body, Headers: gen.InvalidKeyOrAccessTokenResponseHeaders{WWWAuthenticate: challenge(codeOf(f))},
		}}, nil
	case 403:
		return gen.GetConsumerApplicationKeyToken403JSONResponse{UnitNotAllowedJSONResponse: gen.UnitNotAllowedJSONResponse(body)}, nil
	case 429:
		return gen.GetConsumerApplicationKeyToken429JSONResponse{TooManyRequestsJSONResponse: tooManyRequests(f)}, nil
	case 503:
		return gen.GetConsumerApplicationKeyToken503JSONResponse{ServiceUnavailableJSONResponse: serviceUnavailable(f)}, nil
	}
	return gen.GetConsumerApplicationKeyToken500JSONResponse{InternalErrorJSONResponse: gen.InternalErrorJSONResponse(envelopeOf(internalError()))}, nil
}

func internalError() *failure { return fail(gen.ErrorCodeInternalError, "internal error") }

// challenge is the WWW-Authenticate of a 401 with this code (RFC 9110 §11.6.1 asks every 401
// for one): HTTP Basic when the key was refused, the Body scheme when the refused credentials
// are members of the JSON body, where a Basic challenge would invite a pointless retry.
func challenge(code gen.ErrorCode) string {
	if code == gen.ErrorCodeInvalidKey {
		return wwwAuthenticate
	}
	return bodyChallenge
}

func tooManyRequests(f *failure) gen.TooManyRequestsJSONResponse {
	return gen.TooManyRequestsJSONResponse{Body: envelopeOf(f), Headers: gen.TooManyRequestsResponseHeaders{RetryAfter: f.RetryAfterSeconds()}}
}

func serviceUnavailable(f *failure) gen.ServiceUnavailableJSONResponse {
	return gen.ServiceUnavailableJSONResponse{Body: envelopeOf(f), Headers: gen.ServiceUnavailableResponseHeaders{RetryAfter: f.RetryAfterSeconds()}}
}
