// A real OpenID Connect provider (panva's oidc-provider) for the reference server's tests.
//
// Why: the reference server must accept access tokens from a genuine OIDC provider, not only from
// tokens the tests sign themselves. This script runs one on loopback and issues JWT access tokens
// through the client credentials grant.
//
// Usage: node provider.mjs CONFIG_JSON_PATH
//
// Config (JSON file):
//   port             int, required: listens on 127.0.0.1:PORT, issuer is http://127.0.0.1:PORT
//   clients          list of {client_id, client_secret, claims: {...}}, optional per client:
//                    token_endpoint_auth_method (default client_secret_basic)
//                    Every token issued to a client carries its `claims` at the top level of the JWT.
//   default_audience aud of tokens requested without `resource` (default "bob")
//   ttl_seconds      access token lifetime (default 300)
//   alg              initial signing algorithm: RS256 | ES256 | EdDSA (default RS256)
//
// Prints one line `ready <issuer>` on stdout once listening (oidc-provider may print notices on
// stdout before it, so read lines until one starts with "ready "). Exits cleanly on SIGTERM/SIGINT.
//
// Audience: a token request may carry `resource=<value>` (RFC 8707); the JWT's aud is exactly that
// value. oidc-provider only accepts absolute URIs as resource indicators, so any value that is not
// one (e.g. "bob") is carried inside oidc-provider as `urn:bob-oidc-fixture:audience:<encoded>` and
// turned back into the plain value for `aud`. Callers never see the wrapped form.
//
// Control endpoint for tests: POST /-/rotate with JSON {"alg": "ES256"} makes a new key pair (new
// kid) with that algorithm the signing key of every token issued from then on; earlier keys stay
// published in the JWKS. Answers {"kid": "...", "alg": "..."}. The Provider instance is rebuilt with
// the new key set (oidc-provider reads its keys once, at construction) and the HTTP server swaps
// the handler it dispatches to.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const ALGS = new Set(['RS256', 'ES256', 'EdDSA']);
const WRAPPED = 'urn:bob-oidc-fixture:audience:';
const BODY_LIMIT = 56 * 1024;

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

if (process.argv.length !== 3) fail('usage: node provider.mjs CONFIG_JSON_PATH');
const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(config.port)) fail('config.port must be an integer');

const issuer = `http://127.0.0.1:${config.port}`;
const defaultAudience = config.default_audience ?? 'bob';
const ttl = config.ttl_seconds ?? 300;
const claimsByClient = new Map((config.clients ?? []).map((c) => [c.client_id, c.claims ?? {}]));
const clients = (config.clients ?? []).map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
}));

function isAbsoluteUri(value) {
  return URL.parse(value) !== null;
}

// The form in which a resource indicator reaches oidc-provider.
function wrap(audience) {
  return isAbsoluteUri(audience) ? audience : WRAPPED + encodeURIComponent(audience);
}

// The aud a resource indicator stands for.
function unwrap(resource) {
  return resource.startsWith(WRAPPED) ? decodeURIComponent(resource.slice(WRAPPED.length)) : resource;
}

let keyCounter = 0;

function newKey(alg) {
  if (!ALGS.has(alg)) throw new Error(`alg must be one of ${[...ALGS].join(', ')}, not ${JSON.stringify(alg)}`);
  const { privateKey } = {
    RS256: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: () => crypto.generateKeyPairSync('ed25519'),
  }[alg]();
  keyCounter += 1;
  const kid = `${alg.toLowerCase()}-${keyCounter}-${crypto.randomBytes(6).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

// Newest first: the signing key is always keys[0], chosen by kid for every token.
const keys = [newKey(config.alg ?? 'RS256')];

function buildProvider() {
  const signing = { alg: keys[0].alg, kid: keys[0].kid };
  const provider = new Provider(issuer, {
    clients,
    // Clients default to RS256 ID tokens, refused when the key set has no RSA key; no ID token is
    // ever issued here, but the metadata is validated all the same.
    clientDefaults: { id_token_signed_response_alg: signing.alg },
    jwks: { keys: keys.map((k) => ({ ...k })) },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => wrap(defaultAudience),
        getResourceServerInfo: async (ctx, resource) => ({
          // The fixture grants whatever scope the client asks for.
          scope: ctx.oidc.params?.scope ?? '',
          audience: unwrap(resource),
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: signing },
        }),
      },
    },
    ttl: { ClientCredentials: ttl },
    extraTokenClaims: async (_ctx, token) => ({ ...(claimsByClient.get(token.clientId) ?? {}) }),
    findAccount: async () => undefined,
  });
  provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.stack}\n`));
  return provider.callback();
}

let handler = buildProvider();

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new Error('request entity too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function rotate(req, res) {
  let alg;
  try {
    ({ alg } = JSON.parse((await readBody(req)) || '{}'));
    keys.unshift(newKey(alg));
  } catch (error) {
    answer(res, 400, { error: String(error.message ?? error) });
    return;
  }
  handler = buildProvider();
  answer(res, 200, { kid: keys[0].kid, alg });
}

// Wraps resource indicators that are not absolute URIs (see the header). oidc-provider reads a body
// some earlier code has already consumed from `req.body` (it warns once on stderr about it).
async function rewriteTokenRequest(req) {
  const body = await readBody(req);
  const form = new URLSearchParams(body);
  const resources = form.getAll('resource');
  if (resources.some((r) => !isAbsoluteUri(r))) {
    form.delete('resource');
    for (const r of resources) form.append('resource', wrap(r));
    req.body = form.toString();
  } else {
    req.body = body;
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, issuer).pathname;
    if (req.method === 'POST' && path === '/-/rotate') {
      await rotate(req, res);
      return;
    }
    if (
      req.method === 'POST'
      && path === '/token'
      && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      await rewriteTokenRequest(req);
    }
    handler(req, res);
  } catch (error) {
    if (!res.headersSent) answer(res, 400, { error: String(error.message ?? error) });
  }
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
