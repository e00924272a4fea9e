package serverimpl_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/crmcom-community/crmauth/gen"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// mustDiffer lists the corpus cases where the stub's verdict must differ from the schema's, each
// with the reason no schema can state the rule. Keyed by operationId and case name. The test
// fails when a listed case agrees, so the list cannot go stale.
var mustDiffer = map[string]string{
	"Login: duplicate member username":                      "a member named twice is read differently by JSON decoders (kin-openapi keeps the last one); the stub refuses the ambiguity before any schema sees a value",
	"ReleaseToken: duplicate member token":                  "a member named twice is read differently by JSON decoders (kin-openapi keeps the last one); the stub refuses the ambiguity before any schema sees a value",
	"GetWebApiKeyToken: duplicate member unit":              "a member named twice is read differently by JSON decoders (kin-openapi keeps the last one); the stub refuses the ambiguity before any schema sees a value",
	"GetConsumerApplicationKeyToken: duplicate member unit": "a member named twice is read differently by JSON decoders (kin-openapi keeps the last one); the stub refuses the ambiguity before any schema sees a value",
}

// validPairings are the access token identifiers CRM.COM's rule allows: at least one way,
// identifier and pass_code always together.
var validPairings = map[string]bool{
	"pairing {authentication_code}":                        true,
	"pairing {identifier, pass_code}":                      true,
	"pairing {authentication_code, identifier, pass_code}": true,
}

// agreementCase is one request body of the corpus.
type agreementCase struct {
	name string
	body []byte
}

// TestRequestBodySchemaAgreement holds the stub's verdict on request bodies to the spec's: for a
// corpus built from every example of each method's request body (each example; each member
// removed, of every wrong JSON type, empty and one character too long; an unknown member in
// every object; bodies that are not objects; every pairing of the access token identifier's
// members), the stub answers 400 INVALID_REQUEST exactly when kin-openapi finds the body alone
// invalid against the method's request schema. The stub is the real handler stack, with the
// brute-force brake off (wrong but well-formed credentials would otherwise turn into 429s).
func TestRequestBodySchemaAgreement(t *testing.T) {
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	h, err := serverimpl.NewHandler(serverimpl.Options{
		Clock:    serverimpl.NewSettableClock(epoch),
		Throttle: serverimpl.ThrottleOptions{Disabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	total, listed := 0, map[string]bool{}
	for _, path := range slices.Sorted(maps.Keys(spec.Paths.Map())) {
		op := spec.Paths.Value(path).Post
		media := op.RequestBody.Value.Content.Get("application/json")
		schema := media.Schema.Value
		corpus := bodyCorpus(t, op.OperationID, media)
		total += len(corpus)
		for _, c := range corpus {
			key := op.OperationID + ": " + c.name
			var value any
			schemaAccepts := json.Unmarshal(c.body, &value) == nil && schema.VisitJSON(value) == nil
			status, code, message := postBody(t, srv.URL+serverimpl.BasePath+path, c.body)
			switch status {
			case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			default:
				t.Errorf("%s: %s answered %d %s (%s): only 200, 400, 401 and 403 tell a verdict", key, c.body, status, code, message)
				continue
			}
			stubAccepts := status != http.StatusBadRequest
			if strings.HasPrefix(c.name, "pairing ") && schemaAccepts != validPairings[strings.TrimSuffix(c.name, " with unit")] {
				t.Errorf("%s: the schema accepts = %v; CRM.COM's rule says %v", key, schemaAccepts, !schemaAccepts)
			}
			if status == http.StatusBadRequest && code != string(gen.ErrorCodeInvalidRequest) {
				t.Errorf("%s: 400 with %s", key, code)
			}
			if reason, ok := mustDiffer[key]; ok {
				listed[key] = true
				if stubAccepts == schemaAccepts {
					t.Errorf("%s: listed as differing (%s), but stub and schema agree (accepted = %v)", key, reason, stubAccepts)
				}
				continue
			}
			if stubAccepts != schemaAccepts {
				t.Errorf("%s: %s: schema accepts = %v, stub answered %d %s (%s)", key, c.body, schemaAccepts, status, code, message)
			}
		}
	}
	for key := range mustDiffer {
		if !listed[key] {
			t.Errorf("mustDiffer lists %q, which is not in the corpus", key)
		}
	}
	t.Logf("%d request bodies over 4 methods; %d differ by design", total, len(mustDiffer))
	if total < 150 {
		t.Errorf("the corpus has %d bodies; it is built to have over 150", total)
	}
}

// TestAccessTokenIdentifierRefusalSaysWhy: the anyOf of complete shapes fails for a member of
// the wrong type too (kin-openapi checks anyOf first); the message still names that member, and
// a wrong pairing says which half is missing.
func TestAccessTokenIdentifierRefusalSaysWhy(t *testing.T) {
	s := startStub(t)
	for body, want := range map[string]string{
		`{"access_token_identifier":{"identifier":42,"pass_code":"4321"}}`:                        "access_token_identifier.identifier: value must be a string",
		`{"access_token_identifier":{"authentication_code":"","identifier":"c","pass_code":"1"}}`: "access_token_identifier.authentication_code: minimum string length is 1",
		`{"access_token_identifier":{"authentication_code":"c","pass_code":"4321"}}`:              "access_token_identifier: pass_code needs identifier",
		`{"access_token_identifier":{"authentication_code":"c","identifier":"card"}}`:             "access_token_identifier: identifier needs pass_code",
		`{"access_token_identifier":{}}`:                                                          "access_token_identifier: give authentication_code, or identifier together with pass_code",
	} {
		resp, got := s.post(t, "/authentication/consumer_application_key/token", "application/json", []byte(body), "Authorization", vendorBasic)
		expectFailure(t, resp.StatusCode, got, http.StatusBadRequest, gen.ErrorCodeInvalidRequest, "request body: "+want)
	}
}

func postBody(t *testing.T, url string, body []byte) (status int, code, message string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", vendorBasic) // ignored by the methods without a key
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Status struct{ Code, Message string }
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("%s: answer is not the envelope: %s", url, data)
	}
	return resp.StatusCode, e.Status.Code, e.Status.Message
}

// bodyCorpus builds the request bodies of one method from its examples and its schema.
func bodyCorpus(t *testing.T, operation string, media *openapi3.MediaType) []agreementCase {
	t.Helper()
	schema := media.Schema.Value
	var corpus []agreementCase
	seen := map[string]bool{}
	add := func(name string, body []byte) {
		if !seen[string(body)] {
			seen[string(body)] = true
			corpus = append(corpus, agreementCase{name, body})
		}
	}
	addValue := func(name string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		add(name, data)
	}

	examples := map[string]any{"schema example": schema.Example}
	for name, ex := range media.Examples {
		examples[name] = ex.Value.Value
	}
	for _, exName := range slices.Sorted(maps.Keys(examples)) {
		base := roundTrip(t, examples[exName])
		addValue("example "+exName, base)
		for _, m := range mutations(base, schema, nil) {
			addValue(m.name+" in "+exName, m.value)
		}
	}

	for _, v := range []any{nil, []any{}, "x", 42, true} {
		addValue(fmt.Sprintf("body %s", mustJSON(t, v)), v)
	}

	if operation == "GetConsumerApplicationKeyToken" {
		members := map[string]any{"authentication_code": "p_kestora1!", "identifier": "maytemplate-card-0001", "pass_code": "4321"}
		names := slices.Sorted(maps.Keys(members))
		for set := range 1 << len(names) {
			id := map[string]any{}
			var given []string
			for i, n := range names {
				if set&(1<<i) != 0 {
					id[n] = members[n]
					given = append(given, n)
				}
			}
			label := "pairing {" + strings.Join(given, ", ") + "}"
			addValue(label, map[string]any{"access_token_identifier": id})
			addValue(label+" with unit", map[string]any{"access_token_identifier": id, "unit": "1"})
		}
	}

	// Raw bodies whose bytes matter: a member named twice (listed in mustDiffer), and an
	// unpaired surrogate escape, which both read as U+FFFD (the stub does not refuse it).
	first := "unit"
	if len(schema.Required) > 0 {
		first = schema.Required[0]
	}
	value := `"1"`
	if first == "access_token_identifier" {
		first, value = "unit", `"1"`
	}
	rest := map[string]string{
		"Login":                          `"username":"jdoe","password":"s3cret-Passw0rd","organisation":"ps_dev"`,
		"ReleaseToken":                   `"token":"x.y.z"`,
		"GetWebApiKeyToken":              `"unit":"1"`,
		"GetConsumerApplicationKeyToken": `"access_token_identifier":{"authentication_code":"p_kestora1!"},"unit":"1"`,
	}[operation]
	add("duplicate member "+first, []byte(`{`+rest+`,"`+first+`":`+value+`}`))
	add("unpaired surrogate escape in "+first, []byte(strings.Replace(`{`+rest+`}`, `"`+first+`":"`, `"`+first+`":"\ud800`, 1)))
	if !bytes.Contains(corpus[len(corpus)-1].body, []byte(`\ud800`)) {
		t.Fatalf("%s: no %s member to put a surrogate into", operation, first)
	}
	return corpus
}

type mutation struct {
	name  string
	value any
}

// mutations returns the value with one change each: a member removed, of a wrong JSON type,
// empty or one character too long (strings), an unknown member added; recursively into
// member objects. path names the object changed.
func mutations(value any, schema *openapi3.Schema, path []string) []mutation {
	obj, ok := value.(map[string]any)
	if !ok {
		return nil
	}
	at := func(member string) string { return strings.Join(append(slices.Clone(path), member), ".") }
	var out []mutation
	with := func(name string, change func(map[string]any)) {
		c := maps.Clone(obj)
		change(c)
		out = append(out, mutation{name, c})
	}
	with("unknown member "+at("extra"), func(c map[string]any) { c["extra"] = "x" })
	for _, member := range slices.Sorted(maps.Keys(obj)) {
		prop := schema.Properties[member]
		with(at(member)+" removed", func(c map[string]any) { delete(c, member) })
		wrong := map[string]any{"number": 42, "boolean": true, "null": nil, "array": []any{"x"}, "object": map[string]any{}, "string": "x"}
		for _, kind := range slices.Sorted(maps.Keys(wrong)) {
			if prop != nil && prop.Value.Type.Is(kind) {
				continue
			}
			with(at(member)+" as "+kind, func(c map[string]any) { c[member] = wrong[kind] })
		}
		if prop == nil {
			continue
		}
		if prop.Value.Type.Is("string") {
			with(at(member)+" empty", func(c map[string]any) { c[member] = "" })
			if prop.Value.MaxLength != nil {
				long := strings.Repeat("a", int(*prop.Value.MaxLength)+1)
				with(at(member)+" one character too long", func(c map[string]any) { c[member] = long })
			}
		}
		for _, inner := range mutations(obj[member], prop.Value, append(slices.Clone(path), member)) {
			with(inner.name, func(c map[string]any) { c[member] = inner.value })
		}
	}
	return out
}

// roundTrip turns an example as the spec loader holds it into plain JSON values.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
