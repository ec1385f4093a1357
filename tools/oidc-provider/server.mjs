// A real OpenID Certified authorization server (panva's oidc-provider) for
// the integration tests: client credentials, client_secret_jwt and token
// introspection on 127.0.0.1, on a free port. It prints its issuer URL on
// the first line of standard output once it listens.
//
//   CLIENT_ID, CLIENT_SECRET  the client_secret_jwt client to register
import http from 'node:http';
import Provider from 'oidc-provider';

const { CLIENT_ID = 'jwt-client', CLIENT_SECRET } = process.env;
if (!CLIENT_SECRET) {
  console.error('CLIENT_SECRET is required');
  process.exit(2);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_jwt',
      scope: 'api:read api:write',
    }],
    scopes: ['api:read', 'api:write'],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  server.on('request', provider.callback());
  console.log(issuer);
});

// The tests stop the server by closing its standard input or killing it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
