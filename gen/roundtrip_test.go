package gen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crmcom-community/crmauth/gen"
)

// recordingServer is the smallest StrictServerInterface: it remembers what it was sent and
// answers with fixed typed responses. It proves the generated client and the generated strict
// server agree on the wire, before any real behaviour is added on top.
type recordingServer struct {
	consumer *gen.ConsumerApplicationKeyTokenRequest
	login    *gen.LoginRequest
	auth     string
}

var _ gen.StrictServerInterface = (*recordingServer)(nil)

const sampleToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb3VuZHRyaXAifQ.c2lnbmF0dXJlLWZvci10ZXN0"

func okStatus() gen.OKStatus { return gen.OKStatus{Code: gen.OK} }

func (s *recordingServer) GetConsumerApplicationKeyToken(_ context.Context, r gen.GetConsumerApplicationKeyTokenRequestObject) (gen.GetConsumerApplicationKeyTokenResponseObject, error) {
	s.consumer = r.Body
	return gen.GetConsumerApplicationKeyToken200JSONResponse{Data: gen.TokenData{Token: sampleToken}, Status: okStatus()}, nil
}

func (s *recordingServer) Login(_ context.Context, r gen.LoginRequestObject) (gen.LoginResponseObject, error) {
	s.login = r.Body
	return gen.Login401JSONResponse{InvalidCredentialsJSONResponse: gen.InvalidCredentialsJSONResponse{
		Body:    gen.ErrorResponse{Status: gen.ErrorStatus{Code: gen.ErrorCodeInvalidCredentials, Description: "d", Message: "m"}},
		Headers: gen.InvalidCredentialsResponseHeaders{WWWAuthenticate: `Body realm="crmauth"`},
	}}, nil
}

func (s *recordingServer) ReleaseToken(context.Context, gen.ReleaseTokenRequestObject) (gen.ReleaseTokenResponseObject, error) {
	return gen.ReleaseToken200JSONResponse{ReleasedJSONResponse: gen.ReleasedJSONResponse{Status: okStatus()}}, nil
}

func (s *recordingServer) GetWebApiKeyToken(ctx context.Context, _ gen.GetWebApiKeyTokenRequestObject) (gen.GetWebApiKeyTokenResponseObject, error) {
	return gen.GetWebApiKeyToken200JSONResponse{TokenIssuedJSONResponse: gen.TokenIssuedJSONResponse{
		Data: gen.TokenData{Token: sampleToken}, Status: okStatus(),
	}}, nil
}

func startRecordingServer(t *testing.T) (*recordingServer, *gen.ClientWithResponses) {
	t.Helper()
	rec := &recordingServer{}
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rec.auth = c.Request().Header.Get("Authorization")
			return next(c)
		}
	})
	gen.RegisterHandlersWithBaseURL(e, gen.NewStrictHandler(rec, nil), "/crmapi/rest/v2")
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	client, err := gen.NewClientWithResponses(srv.URL + "/crmapi/rest/v2")
	if err != nil {
		t.Fatal(err)
	}
	return rec, client
}

// TestAccessTokenIdentifierRoundTrip matters because the anyOf rule makes oapi-codegen give
// AccessTokenIdentifier a custom (un)marshaller: its plain fields must still travel.
func TestAccessTokenIdentifierRoundTrip(t *testing.T) {
	rec, client := startRecordingServer(t)
	code, unit := "p_kestora1!", "1"
	body := gen.ConsumerApplicationKeyTokenRequest{
		AccessTokenIdentifier: gen.AccessTokenIdentifier{AuthenticationCode: &code},
		Unit:                  &unit,
	}
	resp, err := client.GetConsumerApplicationKeyTokenWithResponse(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || resp.JSON200.Data.Token != sampleToken || resp.JSON200.Status.Code != gen.OK {
		t.Fatalf("typed 200 not parsed: status %d body %s", resp.StatusCode(), resp.Body)
	}
	got := rec.consumer
	if got == nil || got.AccessTokenIdentifier.AuthenticationCode == nil || *got.AccessTokenIdentifier.AuthenticationCode != code {
		t.Fatalf("server did not receive authentication_code: %+v", got)
	}
	if got.AccessTokenIdentifier.Identifier != nil || got.Unit == nil || *got.Unit != unit {
		t.Fatalf("server received %+v", got)
	}
}

func TestTypedErrorResponse(t *testing.T) {
	rec, client := startRecordingServer(t)
	resp, err := client.LoginWithResponse(context.Background(), gen.LoginRequest{
		Username: "jdoe", Password: "wrong", Organisation: "ps_dev",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 401 || resp.JSON401 == nil || resp.JSON401.Status.Code != gen.ErrorCodeInvalidCredentials {
		t.Fatalf("want typed 401 INVALID_CREDENTIALS, got %d %s", resp.StatusCode(), resp.Body)
	}
	if rec.login == nil || rec.login.Username != "jdoe" || rec.login.Unit != nil {
		t.Fatalf("server received %+v", rec.login)
	}
}

func TestBasicCredentialsTravelThroughRequestEditor(t *testing.T) {
	rec, client := startRecordingServer(t)
	basic := func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth("EE73C0AE64524371B5DDEFF5F7BB2192", "")
		return nil
	}
	resp, err := client.GetWebApiKeyTokenWithResponse(context.Background(), gen.WebApiKeyTokenRequest{}, basic)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("status %d body %s", resp.StatusCode(), resp.Body)
	}
	if want := "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6"; rec.auth != want {
		t.Fatalf("Authorization = %q, want the vendor's %q", rec.auth, want)
	}
}
