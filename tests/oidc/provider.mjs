// A real OpenID Provider for the single sign-on tests: the certified `oidc-provider` package on
// loopback, with its built-in development login and consent pages (any password is accepted;
// the login name picks one of the test people below).
//
// Configured from the environment by tests/oidc/conftest.py:
//   OIDC_TEST_PORT           port to listen on (127.0.0.1)
//   OIDC_TEST_ISSUER         issuer URL (default http://127.0.0.1:<port>)
//   OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET
//   OIDC_TEST_REDIRECT_URIS  comma-separated redirect URIs the client may use
//   OIDC_TEST_JWKS_FILE      private JWKS to sign with, so a test can sign tokens with the same key
//   OIDC_TEST_ID_TOKEN_TTL   ID token lifetime in seconds (default 600)
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const env = process.env;
const port = Number(env.OIDC_TEST_PORT);
const issuer = env.OIDC_TEST_ISSUER || `http://127.0.0.1:${port}`;

const people = {
  ada: { email: 'ada@example.com', email_verified: true, given_name: 'Ada', family_name: 'Okafor', zoneinfo: 'Europe/London', groups: ['platform-leads', 'staff'] },
  bo: { email: 'bo@example.com', email_verified: true, given_name: 'Bo', family_name: 'Lind', groups: ['platform'] },
  cy: { email: 'cy@example.com', email_verified: true, given_name: 'Cy', family_name: 'Moss', groups: [] },
  eve: { email: 'eve@elsewhere.test', email_verified: true, given_name: 'Eve', family_name: 'Outside', groups: ['platform'] },
  una: { email: 'una@example.com', email_verified: false, given_name: 'Una', family_name: 'Unverified', groups: [] },
};

const configuration = {
  clients: [{
    client_id: env.OIDC_TEST_CLIENT_ID || 'debrief',
    client_secret: env.OIDC_TEST_CLIENT_SECRET || 'debrief-test-secret',
    redirect_uris: (env.OIDC_TEST_REDIRECT_URIS || '').split(',').filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: JSON.parse(readFileSync(env.OIDC_TEST_JWKS_FILE, 'utf8')),
  cookies: { keys: ['debrief-tests-only'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'zoneinfo'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // Every authorization request must carry a PKCE challenge, as a careful provider would demand.
  pkce: { required: () => true },
  ttl: { IdToken: Number(env.OIDC_TEST_ID_TOKEN_TTL || 600), AccessToken: 600, AuthorizationCode: 60 },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: `${person.given_name} ${person.family_name}`, ...person };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
