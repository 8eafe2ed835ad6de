// A real OpenID Connect provider on loopback for the single sign-on test (npm package oidc-provider).
// Usage: node oidc_provider.mjs PORT REDIRECT_URI
// Accounts: any login name is accepted on the provider's own (development) sign-in page; its e-mail is
// <login>@harbour.example, and a login starting with "fac" is in the group "facilitators".
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirect = process.argv[3];
const issuer = `http://127.0.0.1:${port}`;
const origin = new URL(redirect).origin;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'leverage',
    client_secret: 'leverage-test-secret',
    redirect_uris: [redirect],
    post_logout_redirect_uris: [origin + '/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  conformIdTokenClaims: false, // the scopes' claims go into the ID token, which Streamlit reads
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      email: `${id}@harbour.example`,
      email_verified: true,
      name: id,
      groups: id.startsWith('fac') ? ['facilitators'] : [],
    }),
  }),
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  cookies: { keys: ['leverage-test-only'] },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
