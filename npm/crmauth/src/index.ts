// crmauth: the CRM.COM authentication stub in a JavaScript test suite. The binary is the
// Go stub's release binary, from the platform package; the types come from the specs.
export { createClient, createAdminClient } from "./clients.js";
export type { CrmClient, AdminClient, ClientInit, AdminClientInit } from "./clients.js";
export { startStub, connectStub, StubError } from "./stub.js";
export type {
  Stub,
  StubOptions,
  ConnectOptions,
  Session,
  SessionState,
  RequestEntry,
  Coverage,
  Clock,
  ResetResult,
  EndedSession,
  RequestFilter,
  RequestsFilter,
  SessionFilter,
  EndSessionHow,
  Duration,
} from "./stub.js";
export type { paths, components, operations } from "../gen/openapi.js";
export type {
  paths as adminPaths,
  components as adminComponents,
  operations as adminOperations,
} from "../gen/admin.js";
