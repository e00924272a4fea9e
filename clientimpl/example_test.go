package clientimpl_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/crmcom-community/crmauth/clientimpl"
	"github.com/crmcom-community/crmauth/serverimpl"
)

// startExampleStub starts the stub with its embedded default fixtures. In a real service the
// URL is your CRM.COM server's, e.g. "https://crm.example.com".
func startExampleStub() *serverimpl.Server {
	srv, err := serverimpl.Start(serverimpl.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// Log in with username, password and organisation, then release the token.
func ExampleClient_Login() {
	srv := startExampleStub()
	defer srv.Close()
	ctx := context.Background()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := client.Login(ctx, clientimpl.Login{Username: "jdoe", Password: "s3cret-Passw0rd", Organisation: "ps_dev"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Username, tok.Organisation, "unit", tok.Unit)
	// Send tok.Value to CRM.COM's other methods; release it when done.
	if err := client.ReleaseToken(ctx, tok.Value); err != nil {
		log.Fatal(err)
	}
	// Output: jdoe ps_dev unit 1
}

// Get a token for a Web API key (the vendor's documented example key).
func ExampleClient_WebAPIKeyToken() {
	srv := startExampleStub()
	defer srv.Close()
	ctx := context.Background()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := client.WebAPIKeyToken(ctx, clientimpl.WebAPIKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("lives", tok.Lifetime(), "in unit", tok.Unit)
	_ = client.ReleaseToken(ctx, tok.Value)
	// Output: lives 2h0m0s in unit 1
}

// Get a token for a consumer application key and a consumer's access token identifier.
func ExampleClient_ConsumerApplicationKeyToken() {
	srv := startExampleStub()
	defer srv.Close()
	ctx := context.Background()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := client.ConsumerApplicationKeyToken(ctx, clientimpl.ConsumerApplicationKey{
		Key:                   "EE73C0AE64524371B5DDEFF5F7BB2192",
		AccessTokenIdentifier: clientimpl.AccessTokenIdentifier{AuthenticationCode: "p_kestora1!"},
		Unit:                  "1",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Username, tok.Organisation, "unit", tok.Unit)
	_ = client.ReleaseToken(ctx, tok.Value)
	// Output: maytemplate ps_dev unit 1
}

// Tell a refusal from an outage with errors.Is.
func ExampleAPIError() {
	srv := startExampleStub()
	defer srv.Close()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Login(context.Background(), clientimpl.Login{Username: "jdoe", Password: "wrong", Organisation: "ps_dev"})
	switch {
	case errors.Is(err, clientimpl.ErrInvalidCredentials):
		fmt.Println("refused: fix the credentials, do not retry")
	case errors.Is(err, clientimpl.ErrTemporary):
		fmt.Println("outage: try again later")
	}
	var apiErr *clientimpl.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.HTTPStatus, apiErr.Code)
	}
	// Output:
	// refused: fix the credentials, do not retry
	// 401 INVALID_CREDENTIALS
}

// A TokenSource is what a service keeps: one per credentials, for the life of the program.
// Token hands out the cached token (refreshing it ahead of its end), Invalidate drops it after
// another method refused it, and Close releases it.
func ExampleTokenSource() {
	srv := startExampleStub()
	defer srv.Close()
	ctx := context.Background()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	source, err := clientimpl.NewTokenSource(client, clientimpl.WebAPIKey{Key: "EE73C0AE64524371B5DDEFF5F7BB2192"})
	if err != nil {
		log.Fatal(err)
	}

	first, err := source.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	again, _ := source.Token(ctx)
	fmt.Println("reused:", again.Value == first.Value)

	source.Invalidate() // say another CRM.COM method answered 401 with this token
	fresh, _ := source.Token(ctx)
	fmt.Println("replaced after Invalidate:", fresh.Value != first.Value)

	if err := source.Close(ctx); err != nil { // releases the token at the server
		log.Fatal(err)
	}
	_, err = srv.CheckToken(fresh.Value)
	fmt.Println("usable after Close:", err == nil)
	// Output:
	// reused: true
	// replaced after Invalidate: true
	// usable after Close: false
}

// EditRequest puts the current token on requests of other CRM.COM methods the way CRM.COM
// takes it: the `token` query parameter on GET, a `token` member of the JSON body on POST.
// Pass it to any oapi-codegen client as WithRequestEditorFn(source.EditRequest).
func ExampleTokenSource_EditRequest() {
	srv := startExampleStub()
	defer srv.Close()
	ctx := context.Background()

	client, err := clientimpl.New(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	source, err := clientimpl.NewTokenSource(client, clientimpl.Login{Username: "jdoe", Password: "s3cret-Passw0rd", Organisation: "ps_dev"})
	if err != nil {
		log.Fatal(err)
	}
	defer source.Close(ctx)
	tok, err := source.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	hide := func(s string) string { return strings.ReplaceAll(s, tok.Value, "<token>") }

	get, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.BaseURL+"/contacts/list?page=1", nil)
	if err := source.EditRequest(ctx, get); err != nil {
		log.Fatal(err)
	}
	fmt.Println("GET query:", hide(get.URL.RawQuery))

	post, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.BaseURL+"/contacts", strings.NewReader(`{"first_name":"Ann"}`))
	post.Header.Set("Content-Type", "application/json")
	if err := source.EditRequest(ctx, post); err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(post.Body)
	fmt.Println("POST body:", hide(string(body)))
	// Output:
	// GET query: page=1&token=<token>
	// POST body: {"first_name":"Ann","token":"<token>"}
}
