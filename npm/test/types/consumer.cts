// The CommonJS side: the same package through its require condition and .d.ts.
import { createAdminClient, createClient, startStub, type Stub } from "crmauth";

export async function commonjs(): Promise<number> {
  const stub: Stub = await startStub({ loginIdleTimeout: 60 });
  const crm = createClient(stub.baseUrl);
  // @ts-expect-error a login without a password
  await crm.POST("/authentication/token", { body: { username: "jdoe", organisation: "ps_dev" } });
  const admin = createAdminClient(stub.url);
  const { data } = await admin.GET("/_crmauth/sessions");
  await stub.close();
  return data?.data.count ?? 0;
}
