// A consumer of the spec's TypeScript types (npm/crmauth/gen/openapi.d.ts, from make
// generate-web) calling the consumer application key method through openapi-fetch, as a
// browser app would. typegate_test.go compiles it with tsc --strict: every call without a
// directive must compile, and every line after `@ts-expect-error` must not (tsc fails on a
// directive with no error under it). The pairings (identifier without pass_code, …) are not
// here: TypeScript's union types cannot refuse them; the schema does (serverimpl's agreement test).
import createClient from "openapi-fetch";
import type { components, paths } from "../../npm/crmauth/gen/openapi.d.ts";

type AccessTokenIdentifier = components["schemas"]["AccessTokenIdentifier"];

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080/crmapi/rest/v2" });
const path = "/authentication/consumer_application_key/token";
const headers = { Authorization: "Basic RUU3M0MwQUU2NDUyNDM3MUI1RERFRkY1RjdCQjIxOTI6" };

export async function valid(): Promise<string | undefined> {
  await client.POST(path, { headers, body: { access_token_identifier: { authentication_code: "p_kestora1!" }, unit: "1" } });
  await client.POST(path, { headers, body: { access_token_identifier: { identifier: "maytemplate-card-0001", pass_code: "4321" } } });
  const both: AccessTokenIdentifier = { authentication_code: "p_kestora1!", identifier: "maytemplate-card-0001", pass_code: "4321" };
  const { data } = await client.POST(path, { headers, body: { access_token_identifier: both } });
  return data?.data.token;
}

export async function wrongTypes(): Promise<void> {
  // @ts-expect-error an identifier that is a number
  await client.POST(path, { headers, body: { access_token_identifier: { identifier: 42, pass_code: "4321" } } });
  // @ts-expect-error an authentication code that is a number
  await client.POST(path, { headers, body: { access_token_identifier: { authentication_code: 7 } } });
  // @ts-expect-error a pass code that is a number
  await client.POST(path, { headers, body: { access_token_identifier: { identifier: "card", pass_code: 4321 } } });
  // @ts-expect-error the identifier as null
  await client.POST(path, { headers, body: { access_token_identifier: null } });
  // @ts-expect-error no identifier at all
  await client.POST(path, { headers, body: { unit: "1" } });
  // @ts-expect-error a unit that is a number
  await client.POST(path, { headers, body: { access_token_identifier: { authentication_code: "c" }, unit: 1 } });
}

// openapi-fetch infers a call's init argument as a type parameter, and TypeScript applies its
// excess-member and weak-type checks to a literal only where it meets a declared type, not a
// type parameter's constraint: written inside client.POST(…), an unknown member or a string
// for the identifier compiles. Declared as the request type, as an app passes a body it built,
// the spec's types refuse them.
type Request = components["schemas"]["ConsumerApplicationKeyTokenRequest"];

export async function wrongTypesDeclared(): Promise<void> {
  // @ts-expect-error an unknown member of the identifier
  const extraMember: Request = { access_token_identifier: { authentication_code: "c", extra: "x" } };
  // @ts-expect-error the identifier as a string
  const identifierString: Request = { access_token_identifier: "p_kestora1!" };
  // @ts-expect-error an unknown member of the body
  const misspelt: Request = { access_token_identifier: { authentication_code: "c" }, organization: "ps_dev" };
  // @ts-expect-error an identifier that is an array
  const identifierArray: AccessTokenIdentifier = { identifier: ["card"], pass_code: "4321" };
  for (const body of [extraMember, identifierString, misspelt, { access_token_identifier: identifierArray }]) {
    await client.POST(path, { headers, body });
  }
}
