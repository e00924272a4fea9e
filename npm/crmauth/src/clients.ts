// Typed clients of the two documents, made with openapi-fetch from the generated types.
import createFetchClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths as AdminPaths } from "../gen/admin.js";
import type { paths } from "../gen/openapi.js";

/** A client of the four CRM.COM authentication methods (`openapi.yaml`). */
export type CrmClient = Client<paths>;

/** A client of the stub's administration routes (`api/admin.yaml`). */
export type AdminClient = Client<AdminPaths>;

/** What both clients take besides the URL: openapi-fetch's options (headers, fetch, …). */
export type ClientInit = Omit<ClientOptions, "baseUrl">;

/**
 * createClient returns a typed client of the four CRM.COM methods. baseUrl is the Web API's
 * base URL, ending in /crmapi/rest/v2 (a stub's `baseUrl`):
 *
 *     const crm = createClient(stub.baseUrl);
 *     const { data, error } = await crm.POST("/authentication/token", {
 *       body: { username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev" },
 *     });
 */
export function createClient(baseUrl: string, init: ClientInit = {}): CrmClient {
  return createFetchClient<paths>({ ...init, baseUrl });
}

/** The options of createAdminClient. */
export interface AdminClientInit extends ClientInit {
  /** The stub's admin token (`crmauth serve --admin-token`), sent as `Authorization: Bearer`. */
  adminToken?: string;
}

/**
 * createAdminClient returns a typed client of the stub's administration routes
 * (/_crmauth/…). url is the stub's root URL (a stub's `url`).
 */
export function createAdminClient(url: string, init: AdminClientInit = {}): AdminClient {
  const { adminToken, ...rest } = init;
  const client = createFetchClient<AdminPaths>({ ...rest, baseUrl: url });
  if (adminToken) {
    client.use({
      onRequest({ request }) {
        request.headers.set("Authorization", `Bearer ${adminToken}`);
        return request;
      },
    });
  }
  return client;
}
