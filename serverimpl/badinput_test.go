package serverimpl_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// noContentType is badInput.contentType for a request without a Content-Type header.
const noContentType = "-"

var (
	nested    = strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	tooDeep   = strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) // past encoding/json's depth limit, under 64 KiB
	overLimit = loginWith("password", jsonString(strings.Repeat("x", serverimpl.MaxBodyBytes)))
)

// badInput is one entry of the bad-input catalogue: a request the stub must refuse with a
// clear answer, and the answer it must give.
type badInput struct {
	name        string
	method      string   // "" is POST
	path        string   // under serverimpl.BasePath
	contentType string   // "" is application/json; noContentType sends none
	header      []string // more headers, as name, value pairs
	body        string
	chunked     bool // send the body without Content-Length

	status int
	// code is the status.code the envelope must carry; empty where net/http answers before
	// the stub sees the request (431), which no handler can put in the envelope.
	code gen.ErrorCode
}

// badInputs is the catalogue. Expected answers follow openapi.yaml's ErrorCode table.
var badInputs = []badInput{
	// Bodies that are not JSON, or not a whole JSON value.
	{name: "empty body", path: opLogin, body: "", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "empty body without Content-Type", path: opLogin, contentType: noContentType, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "whitespace only", path: opLogin, body: " \n\t ", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "lone brace", path: opLogin, body: "{", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "truncated object", path: opLogin, body: validLogin[:len(validLogin)-1], status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "truncated inside a string", path: opLogin, body: `{"username":"jd`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "trailing garbage", path: opLogin, body: validLogin + " x", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "two objects", path: opLogin, body: validLogin + validLogin, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "trailing comma", path: opLogin, body: validLogin[:len(validLogin)-1] + ",}", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "single quotes", path: opLogin, body: `{'username':'jdoe'}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "comment", path: opLogin, body: "/* hi */" + validLogin, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "byte order mark", path: opLogin, body: "\ufeff" + validLogin, status: 400, code: gen.ErrorCodeInvalidRequest},

	// JSON that is not an object.
	{name: "array", path: opLogin, body: "[]", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "string", path: opLogin, body: `"jdoe"`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "number", path: opLogin, body: "42", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "null", path: opLogin, body: "null", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "boolean", path: opLogin, body: "true", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "web API key: array body", path: opWebKey, header: []string{"Authorization", vendorKeyBasic}, body: "[]", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "web API key: null body", path: opWebKey, header: []string{"Authorization", vendorKeyBasic}, body: "null", status: 400, code: gen.ErrorCodeInvalidRequest},

	// Wrong types and nulls.
	{name: "username is a number", path: opLogin, body: loginWith("username", "1"), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "username is null", path: opLogin, body: loginWith("username", "null"), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "password is an array", path: opLogin, body: loginWith("password", `["s3cret-Passw0rd"]`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "organisation is an object", path: opLogin, body: loginWith("organisation", `{"id":"ps_dev"}`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unit is a number", path: opLogin, body: loginWith("unit", "1"), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unit is null", path: opLogin, body: loginWith("unit", "null"), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unit is a boolean", path: opWebKey, header: []string{"Authorization", vendorKeyBasic}, body: `{"unit":true}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token is a number", path: opRelease, body: `{"token":12345}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token is null", path: opRelease, body: `{"token":null}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "access_token_identifier is a string", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":"p_kestora1!"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "authentication_code is a number", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"authentication_code":1}}`, status: 400, code: gen.ErrorCodeInvalidRequest},

	// Missing members.
	{name: "empty object", path: opLogin, body: "{}", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "organisation missing", path: opLogin, body: `{"username":"jdoe","password":"s3cret-Passw0rd"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token missing", path: opRelease, body: "{}", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "access_token_identifier missing", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"unit":"1"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "access_token_identifier empty", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{}}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "identifier without pass_code", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"identifier":"maytemplate-card-0001"}}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "pass_code without identifier", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"pass_code":"4321"}}`, status: 400, code: gen.ErrorCodeInvalidRequest},

	// Empty and over-long strings.
	{name: "empty username", path: opLogin, body: loginWith("username", `""`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "empty password", path: opLogin, body: loginWith("password", `""`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "empty organisation", path: opLogin, body: loginWith("organisation", `""`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "empty unit", path: opLogin, body: loginWith("unit", `""`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "empty token", path: opRelease, body: `{"token":""}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "username of 256 characters", path: opLogin, body: loginWith("username", jsonString(strings.Repeat("u", 256))), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "password of 10,000 characters", path: opLogin, body: loginWith("password", jsonString(strings.Repeat("p", 10_000))), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unit of 65 characters", path: opLogin, body: loginWith("unit", jsonString(strings.Repeat("1", 65))), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token of 4097 characters", path: opRelease, body: `{"token":` + jsonString(strings.Repeat("a", 4097)) + `}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "pass_code of 256 characters", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"identifier":"maytemplate-card-0001","pass_code":` + jsonString(strings.Repeat("4", 256)) + `}}`, status: 400, code: gen.ErrorCodeInvalidRequest},

	// Deeply nested values.
	{name: "username nested 10,000 deep", path: opLogin, body: loginWith("username", nested), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unknown member nested 10,000 deep", path: opLogin, body: loginWith("x", nested), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "nesting past the JSON depth limit", path: opLogin, body: loginWith("unit", tooDeep), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token nested in objects", path: opRelease, body: `{"token":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000) + `}`, status: 400, code: gen.ErrorCodeInvalidRequest},

	// Duplicate and unknown members: both refused (see README, "Hardening").
	{name: "duplicate username", path: opLogin, body: `{"username":"nobody","username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "duplicate password, same value", path: opLogin, body: `{"username":"jdoe","password":"s3cret-Passw0rd","password":"s3cret-Passw0rd","organisation":"ps_dev"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "duplicate token", path: opRelease, body: `{"token":"a.b.c","token":"d.e.f"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "duplicate member inside access_token_identifier", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"authentication_code":"x","authentication_code":"p_kestora1!"}}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "misspelt organization", path: opLogin, body: `{"username":"jdoe","password":"s3cret-Passw0rd","organization":"ps_dev"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unknown member besides the right ones", path: opLogin, body: loginWith("remember_me", "true"), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "member in another case", path: opLogin, body: loginWith("Username", `"jdoe"`), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unknown member in release", path: opRelease, body: `{"token":"a.b.c","force":true}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unknown member in web API key body", path: opWebKey, header: []string{"Authorization", vendorKeyBasic}, body: `{"units":"1"}`, status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "unknown member in access_token_identifier", path: opConsumer, header: []string{"Authorization", vendorKeyBasic}, body: `{"access_token_identifier":{"authentication_code":"p_kestora1!","pin":"1"}}`, status: 400, code: gen.ErrorCodeInvalidRequest},

	// Content-Type.
	{name: "no Content-Type", path: opLogin, contentType: noContentType, body: validLogin, status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "text/plain", path: opLogin, contentType: "text/plain", body: validLogin, status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "form-encoded", path: opLogin, contentType: "application/x-www-form-urlencoded", body: "username=jdoe&password=s3cret-Passw0rd&organisation=ps_dev", status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "multipart", path: opLogin, contentType: "multipart/form-data; boundary=x", body: "--x--", status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "malformed Content-Type", path: opLogin, contentType: "application/", body: validLogin, status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "application/jsonx", path: opLogin, contentType: "application/jsonx", body: validLogin, status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "JSON in another charset", path: opLogin, contentType: "application/json; charset=iso-8859-1", body: validLogin, status: 415, code: gen.ErrorCodeUnsupportedMediaType},
	{name: "web API key body without Content-Type", path: opWebKey, contentType: noContentType, header: []string{"Authorization", vendorKeyBasic}, body: "{}", status: 415, code: gen.ErrorCodeUnsupportedMediaType},

	// Size.
	{name: "body over 64 KiB", path: opLogin, body: overLimit, status: 413, code: gen.ErrorCodePayloadTooLarge},
	{name: "body over 64 KiB, chunked", path: opLogin, body: overLimit, chunked: true, status: 413, code: gen.ErrorCodePayloadTooLarge},
	{name: "body over 64 KiB of whitespace", path: opRelease, body: strings.Repeat(" ", serverimpl.MaxBodyBytes+1), status: 413, code: gen.ErrorCodePayloadTooLarge},
	{name: "body over 64 KiB with the wrong Content-Type", path: opLogin, contentType: "text/plain", body: overLimit, status: 413, code: gen.ErrorCodePayloadTooLarge},

	// Bytes that are not UTF-8.
	{name: "password with a byte that is not UTF-8", path: opLogin, body: loginWith("password", "\"s3cret-Passw0rd\xff\""), status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "member name that is not UTF-8", path: opLogin, body: "{\"user\xc3\x28name\":\"jdoe\"}", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "token with a lone surrogate byte sequence", path: opRelease, body: "{\"token\":\"\xed\xa0\x80.a.b\"}", status: 400, code: gen.ErrorCodeInvalidRequest},
	{name: "escaped NUL in username", path: opLogin, body: loginWith("username", `"jdoe\u0000"`), status: 401, code: gen.ErrorCodeInvalidCredentials},

	// Authorization for the key-based methods.
	{name: "no Authorization", path: opWebKey, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Bearer instead of Basic", path: opWebKey, header: []string{"Authorization", "Bearer " + vendorKey}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic without credentials", path: opWebKey, header: []string{"Authorization", "Basic"}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with broken base64", path: opWebKey, header: []string{"Authorization", "Basic %%%not-base64"}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with truncated base64", path: opWebKey, header: []string{"Authorization", vendorKeyBasic[:len(vendorKeyBasic)-3]}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic without a colon", path: opWebKey, header: []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(vendorKey))}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with a non-empty password", path: opWebKey, header: []string{"Authorization", basicAuth(vendorKey, "x")}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with an empty key", path: opWebKey, header: []string{"Authorization", basicAuth("", "")}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with an unknown key", path: opWebKey, header: []string{"Authorization", basicAuth("00000000000000000000000000000000", "")}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "Basic with a key that is not UTF-8", path: opWebKey, header: []string{"Authorization", basicAuth("\xff\xfe", "")}, body: "{}", status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "consumer: no Authorization", path: opConsumer, body: consumerBody, status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "consumer: Basic with a non-empty password", path: opConsumer, header: []string{"Authorization", basicAuth(vendorKey, vendorCode)}, body: consumerBody, status: 401, code: gen.ErrorCodeInvalidKey},
	{name: "consumer: Digest scheme", path: opConsumer, header: []string{"Authorization", `Digest username="` + vendorKey + `"`}, body: consumerBody, status: 401, code: gen.ErrorCodeInvalidKey},

	// Tokens that are not tokens.
	{name: "token that is not a JWT", path: opRelease, body: `{"token":"not-a-token"}`, status: 401, code: gen.ErrorCodeInvalidToken},
	{name: "token of three dots", path: opRelease, body: `{"token":"..."}`, status: 401, code: gen.ErrorCodeInvalidToken},
	{name: "token with broken base64 parts", path: opRelease, body: `{"token":"!!!.###.$$$"}`, status: 401, code: gen.ErrorCodeInvalidToken},
	{name: "token whose parts are not JSON", path: opRelease, body: `{"token":"bm90IGpzb24.bm90IGpzb24.c2ln"}`, status: 401, code: gen.ErrorCodeInvalidToken},

	// Odd HTTP methods and paths.
	{name: "GET on login", method: http.MethodGet, path: opLogin, contentType: noContentType, status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "PUT on login", method: http.MethodPut, path: opLogin, body: validLogin, status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "DELETE on release", method: http.MethodDelete, path: opRelease, contentType: noContentType, status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "PATCH on web API key", method: http.MethodPatch, path: opWebKey, body: "{}", status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "TRACE on consumer", method: http.MethodTrace, path: opConsumer, contentType: noContentType, status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "made-up method on login", method: "BREW", path: opLogin, contentType: noContentType, status: 405, code: gen.ErrorCodeMethodNotAllowed},
	{name: "HEAD on login", method: http.MethodHead, path: opLogin, contentType: noContentType, status: 405}, // a HEAD answer has no body
	{name: "unknown method path", path: "/authentication/tokens", body: validLogin, status: 404, code: gen.ErrorCodeNotFound},
	{name: "base path itself", path: "", body: "{}", status: 404, code: gen.ErrorCodeNotFound},
	{name: "trailing slash", path: opLogin + "/", body: validLogin, status: 404, code: gen.ErrorCodeNotFound},
	{name: "dot segments", path: "/authentication/../authentication/token/x", body: validLogin, status: 404, code: gen.ErrorCodeNotFound},
	{name: "encoded bytes in the path", path: "/authentication/%ff%00token", body: validLogin, status: 404, code: gen.ErrorCodeNotFound},
	{name: "long path (8 KiB)", path: "/" + strings.Repeat("a", 8<<10), body: "{}", status: 404, code: gen.ErrorCodeNotFound},

	// Past the header limit, net/http answers 431 itself, before any handler: no envelope.
	{name: "URL past the header limit", path: opLogin + "?q=" + strings.Repeat("a", headerLimit+8<<10), body: validLogin, status: 431},
	{name: "header past the header limit", path: opLogin, header: []string{"X-Padding", strings.Repeat("a", headerLimit+8<<10)}, body: validLogin, status: 431},
}

// sendBadInput sends one catalogue request to baseURL (the server's root URL).
func sendBadInput(t testing.TB, client *http.Client, baseURL string, in badInput) (*http.Request, *http.Response, []byte) {
	t.Helper()
	req := in.request(baseURL)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", in.name, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", in.name, err)
	}
	return req, resp, body
}

// request builds the catalogue entry's request against root (a URL without a path, or "" for
// an in-process handler).
func (in badInput) request(root string) *http.Request {
	method := in.method
	if method == "" {
		method = http.MethodPost
	}
	if root == "" {
		root = "http://crmauth.test"
	}
	var body io.Reader = http.NoBody
	if in.body != "" {
		body = bytes.NewReader([]byte(in.body))
		if in.chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
	}
	req, err := http.NewRequest(method, root+serverimpl.BasePath+in.path, body)
	if err != nil {
		panic(in.name + ": " + err.Error())
	}
	switch in.contentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case noContentType:
	default:
		req.Header.Set("Content-Type", in.contentType)
	}
	for i := 0; i+1 < len(in.header); i += 2 {
		req.Header.Set(in.header[i], in.header[i+1])
	}
	return req
}

// TestBadInputCatalogue sends every catalogue entry through a real HTTP server and checks the
// answer: the expected status and status.code, in the envelope, valid against the spec, never
// a 5xx. After the whole catalogue the stub still logs in and releases.
func TestBadInputCatalogue(t *testing.T) {
	if len(badInputs) < 50 {
		t.Fatalf("the catalogue has %d cases, want at least 50", len(badInputs))
	}
	clock := serverimpl.NewSettableClock(epoch)
	srv, err := serverimpl.Start(serverimpl.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 10 * time.Second}

	seen := map[string]bool{}
	for _, in := range badInputs {
		if seen[in.name] {
			t.Fatalf("two catalogue entries are named %q", in.name)
		}
		seen[in.name] = true
		t.Run(in.name, func(t *testing.T) {
			req, resp, body := sendBadInput(t, client, srv.URL, in)
			if resp.StatusCode != in.status {
				t.Fatalf("got %d, want %d: %s", resp.StatusCode, in.status, body)
			}
			if in.status == http.StatusRequestHeaderFieldsTooLarge {
				return // net/http's own answer, written before the stub sees the request
			}
			if err := answerConformance(req, resp.StatusCode, resp.Header, body); err != nil {
				t.Fatal(err)
			}
			if in.code == "" {
				return
			}
			var e envelope
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("not the envelope: %v: %s", err, body)
			}
			if e.Status.Code != string(in.code) {
				t.Fatalf("status.code %s, want %s: %s", e.Status.Code, in.code, body)
			}
			if e.Status.Message == "" {
				t.Fatalf("no message says what went wrong: %s", body)
			}
		})
	}

	// The stub keeps serving after all of it.
	req, _ := http.NewRequest(http.MethodPost, srv.BaseURL+opLogin, strings.NewReader(validLogin))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login after the catalogue: %d %s", resp.StatusCode, body)
	}
	var issued struct {
		Data struct{ Token string } `json:"data"`
	}
	if err := json.Unmarshal(body, &issued); err != nil || issued.Data.Token == "" {
		t.Fatalf("login after the catalogue: %s", body)
	}
	if _, err := srv.CheckToken(issued.Data.Token); err != nil {
		t.Fatalf("the token issued after the catalogue is refused: %v", err)
	}
}

// headerLimit is the server's; net/http allows 4 KiB over it before answering 431.
const headerLimit = serverimpl.MaxHeaderBytes
