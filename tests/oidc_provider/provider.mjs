// A real OpenID Connect provider (panva's oidc-provider) for the portal's tests, started by
// tests/oidc_server.py on a free loopback port. Test-only: its keys, client secret and
// cookie keys are the tests' own, and it serves two small test hooks under /_test/.
//
// Environment:
//   PORT             the loopback port to listen on
//   CLIENT_ID        the portal's client id; CLIENT_SECRET its secret
//   JWKS_FILE        the signing keys (a private JWK set the tests made, so they can sign
//                    an expired or wrong-audience token with the provider's own key)
//   ACCOUNTS_FILE    {"<account id>": {"email": ..., "name": ..., "groups": [...]}}, read at
//                    every sign-in: a test rewrites it to move someone between groups
//
// Sign-in goes through the provider's own login page (devInteractions): any password, the
// login is the account id. Consent is taken as given for the one client (the company's own
// app), as a company's identity provider does for an app its admins registered.
//
// Test hooks:
//   POST /_test/next-id-token   body: an ID token (compact JWS); the next token response
//                               carries it instead of the one the provider made (the
//                               forged, expired and wrong-audience tokens of the tests)
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.CLIENT_ID;

function accounts() {
  return JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'));
}

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: process.env.CLIENT_SECRET,
      // Replaced below by any loopback or test-client address with the portal's paths.
      redirect_uris: ['http://testserver/accounts/oidc/callback/'],
      post_logout_redirect_uris: ['http://testserver/accounts/login/'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: JSON.parse(readFileSync(process.env.JWKS_FILE, 'utf8')),
  cookies: { keys: ['test-only-cookie-key-not-a-secret'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);

const portalPaths = { redirect: '/accounts/oidc/callback/', logout: '/accounts/login/' };
function testAddress(value, path) {
  const url = URL.parse(value);
  return Boolean(url) && url.protocol === 'http:'
    && ['127.0.0.1', 'localhost', 'testserver'].includes(url.hostname)
    && url.pathname === path;
}
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  return testAddress(value, portalPaths.redirect);
};
provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
  return testAddress(value, portalPaths.logout);
};

let nextIdToken = null;

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/next-id-token' && ctx.method === 'POST') {
    nextIdToken = (await readBody(ctx.req)).trim();
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && nextIdToken && ctx.status === 200 && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: nextIdToken };
    nextIdToken = null;
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
