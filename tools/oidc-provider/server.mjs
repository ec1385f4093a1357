// A real OpenID Certified authorization server (panva's oidc-provider) for
// the integration tests, on 127.0.0.1 on a free port. It prints its issuer
// URL on the first line of standard output once it listens.
//
// Clients:
//   CLIENT_ID, CLIENT_SECRET  a client_secret_jwt client (client credentials)
//   native-app                a public native client: authorization code +
//                             PKCE on any loopback port, refresh tokens
//   web-app, WEB_SECRET       a confidential client (client_secret_basic)
//                             with the one redirect URI WEB_REDIRECT_URI
//   device-app                a public client of the device flow
// Every login is accepted (the development login form, any name and
// password) as an account named after the login.
import http from 'node:http';
import Provider from 'oidc-provider';

const {
  CLIENT_ID = 'jwt-client', CLIENT_SECRET, WEB_SECRET = 'web-secret-not-real-0123456789', WEB_REDIRECT_URI,
} = process.env;
if (!CLIENT_SECRET) {
  console.error('CLIENT_SECRET is required');
  process.exit(2);
}

const userScopes = 'openid profile email offline_access api:read';
const clients = [{
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_jwt',
  scope: 'api:read api:write',
}, {
  client_id: 'native-app',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback'],
  scope: userScopes,
}, {
  client_id: 'device-app',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  scope: userScopes,
}];
if (WEB_REDIRECT_URI) {
  clients.push({
    client_id: 'web-app',
    client_secret: WEB_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [WEB_REDIRECT_URI],
    scope: userScopes,
  });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    scopes: ['openid', 'profile', 'email', 'offline_access', 'api:read', 'api:write'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    conformIdTokenClaims: false, // the ID token carries the profile claims
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: `${sub[0].toUpperCase()}${sub.slice(1)} Example`, preferred_username: sub, email: `${sub}@example.com` }),
    }),
    // A refresh token whenever the client may use one (OpenID Connect
    // would also ask for prompt=consent with offline_access).
    issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      deviceFlow: { enabled: true },
      devInteractions: { enabled: true },
    },
  });
  provider.on('server_error', (ctx, err) => console.error(err));
  server.on('request', provider.callback());
  console.log(issuer);
});

// The tests stop the server by closing its standard input or killing it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
