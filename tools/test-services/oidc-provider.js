// A real OpenID Connect provider for the single sign-on tests (npm oidc-provider), on a free loopback port.
// Usage: node oidc-provider.js CONFIG.json
//   CONFIG: { "clients": [ { client_id, client_secret, redirect_uris, id_token_signed_response_alg? } ],
//             "accounts": { "<login>": { "password": "...", "email": "...", "email_verified": true, "name": "..." } } }
// Prints one line "issuer http://127.0.0.1:PORT" once it listens. Signing keys (RSA and P-256) and cookie keys are
// generated fresh at every start: nothing secret is committed. The development interactions are off; the login
// page below checks the account's password and consent is given automatically (the test IdP trusts its clients).
'use strict';
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');

function signingKey(type, options, alg) {
  const jwk = crypto.generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg };
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; if (body.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function main() {
  const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const { default: Provider } = await import('oidc-provider');
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const accounts = config.accounts || {};

  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    })),
    jwks: {
      keys: [
        signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
        signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      ],
    },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Put the requested claims (email) in the ID token itself, as many providers do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: account.email, email_verified: account.email_verified, name: account.name };
        },
      };
    },
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url.split('?')[0]);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'consent') {
        const grant = details.grantId ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const account = accounts[form.get('login')];
        if (!account || account.password !== form.get('password')) {
          res.writeHead(401, { 'content-type': 'text/html' });
          return res.end('<p id="idp-error">wrong login or password</p>');
        }
        return provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, { mergeWithLastSubmission: false });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Test IdP sign-in</title></head><body><main>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escape(match[1])}/login" id="idp-form">
<label for="idp-login">Login</label><input id="idp-login" name="login" autocomplete="username">
<label for="idp-password">Password</label><input id="idp-password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="idp-submit">Sign in</button></form></main></body></html>`);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err.name}`);
    }
  });
  console.log(`issuer ${issuer}`);
}

main().catch((err) => { console.error(err); process.exit(1); });
