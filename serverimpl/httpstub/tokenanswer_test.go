package httpstub

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crmcom-community/crmauth/gen"
)

// tokenAnswer must write what the generated response types write, byte for byte.
func TestTokenAnswerWritesWhatTheGeneratedTypesWrite(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c3IiOiJqZG9lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"
	issued := gen.TokenIssuedJSONResponse{Data: gen.TokenData{Token: token}, Status: okStatus()}
	for name, visit := range map[string][2]func(http.ResponseWriter) error{
		"Login": {tokenAnswer(token).VisitLoginResponse,
			gen.Login200JSONResponse{TokenIssuedJSONResponse: issued}.VisitLoginResponse},
		"GetWebApiKeyToken": {tokenAnswer(token).VisitGetWebApiKeyTokenResponse,
			gen.GetWebApiKeyToken200JSONResponse{TokenIssuedJSONResponse: issued}.VisitGetWebApiKeyTokenResponse},
		"GetConsumerApplicationKeyToken": {tokenAnswer(token).VisitGetConsumerApplicationKeyTokenResponse,
			gen.GetConsumerApplicationKeyToken200JSONResponse(issued).VisitGetConsumerApplicationKeyTokenResponse},
	} {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		if err := visit[0](got); err != nil {
			t.Fatal(err)
		}
		if err := visit[1](want); err != nil {
			t.Fatal(err)
		}
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Body.String() != want.Body.String() {
			t.Errorf("%s: wrote %d %q %q, the generated type %d %q %q", name,
				got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
		}
	}
}
