import { describe, expect, it } from 'vitest';
import { resolveInitAnswers, type InitEnv, type InitFlags } from '../../src/commands/init/resolve.js';
import { resolveKeySpecs } from '../../src/commands/init/key-specs.js';
import type { Prompter } from '../../src/io/prompt.js';

/** Answers questions in order, and records what was asked. */
function scripted(answers: string[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = async (message: string, validate?: (v: string) => true | string) => {
    asked.push(message);
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected question: ${message}`);
    const verdict = validate?.(a) ?? true;
    if (verdict !== true) throw new Error(`rejected ${a}: ${verdict}`);
    return a;
  };
  return { asked, input: (m, _i, v) => next(m, v), select: (m) => next(m), password: (m, v) => next(m, v), note: (line) => void asked.push(`note: ${line}`) };
}

const env = (over: Partial<InitEnv> = {}): InitEnv => ({
  interactive: false,
  detectedHosts: ['192.168.1.10', 'box'],
  readStdin: async () => 'from-stdin\n',
  randomBytes: (n) => new Uint8Array(n).fill(7),
  ...over,
});

describe('resolveInitAnswers', () => {
  it('--yes takes the defaults and generates a password', async () => {
    const a = await resolveInitAnswers({ yes: true }, env());
    expect(a).toEqual({
      dir: './registry', mode: 'tls', hosts: ['192.168.1.10', 'box'], port: 5000, days: 825, caDays: 3650,
      keyType: 'ecdsa', leafKey: { type: 'ecdsa' }, caKey: { type: 'ecdsa' }, bcryptCost: 5, users: a.users, auth: 'htpasswd',
      mirrors: [], mirrorAuth: false, mirrorCredentials: null,
      storage: { storage: 'filesystem', createBucket: false, replicas: 1 },
    });
    expect(a.users).toEqual([{ name: 'admin', password: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH', generated: true }]);
  });

  it('--key-type rsa takes the RSA sizes, 2048 and 4096 by default', async () => {
    expect(await resolveInitAnswers({ yes: true, keyType: 'rsa' }, env())).toMatchObject({
      keyType: 'rsa', leafKey: { type: 'rsa', bits: 2048 }, caKey: { type: 'rsa', bits: 4096 },
    });
    expect(await resolveInitAnswers({ yes: true, keyType: 'rsa', keySize: '3072', caKeySize: '2048' }, env())).toMatchObject({
      keyType: 'rsa', leafKey: { type: 'rsa', bits: 3072 }, caKey: { type: 'rsa', bits: 2048 },
    });
    expect(resolveKeySpecs({ keyType: 'ecdsa' })).toEqual({ keyType: 'ecdsa', leafKey: { type: 'ecdsa' }, caKey: { type: 'ecdsa' } });
  });

  it('takes --ca-cert with --ca-key, keeping them for init to load', async () => {
    expect((await resolveInitAnswers({ yes: true, caCert: 'corp.pem', caKey: 'corp.key' }, env())).ca).toEqual({ certFile: 'corp.pem', keyFile: 'corp.key' });
    // with an outside CA, --days is checked against that CA when it is loaded, not against --ca-days
    expect((await resolveInitAnswers({ yes: true, caCert: 'corp.pem', caKey: 'corp.key', days: '400', caDays: '300' }, env())).days).toBe(400);
  });

  it('token auth: docker_auth on its own port in tls mode (5001, or the next one when --port takes it)', async () => {
    expect(await resolveInitAnswers({ yes: true, auth: 'token' }, env())).toMatchObject({ auth: 'token', authPort: 5001 });
    expect(await resolveInitAnswers({ yes: true, auth: 'token', port: '5001' }, env())).toMatchObject({ authPort: 5002 });
    expect(await resolveInitAnswers({ yes: true, auth: 'token', authPort: '7000' }, env())).toMatchObject({ authPort: 7000 });
    expect((await resolveInitAnswers({ yes: true, auth: 'token', mode: 'proxy' }, env())).authPort).toBeUndefined();
  });

  it('proxy mode defaults to port 443', async () => {
    expect((await resolveInitAnswers({ yes: true, mode: 'proxy' }, env())).port).toBe(443);
  });

  it('a flag wins over its question, and only open questions are asked', async () => {
    const prompt = scripted(['proxy', '8443', 'token', 'pw', 'pw', '']);
    const a = await resolveInitAnswers({ host: ['10.0.0.5'], user: ['ci'] }, env({ interactive: true, prompt }));
    expect(prompt.asked).toEqual(['How should clients reach the registry?', 'Port clients will use', 'How should users log in?', 'Password for ci', 'Repeat the password for ci', expect.stringMatching(/^Pull-through caches/)]);
    expect(a.mirrors).toEqual([]);
    expect(a).toMatchObject({ mode: 'proxy', hosts: ['10.0.0.5'], port: 8443, auth: 'token', users: [{ name: 'ci', password: 'pw', generated: false }] });
    expect(a.authPort).toBeUndefined(); // proxy mode: nginx serves /auth on --port
  });

  it('asks for the password again until both entries match', async () => {
    const prompt = scripted(['one', 'two', 'same', 'same', 'docker.io, ghcr.io']);
    const a = await resolveInitAnswers({ host: ['h.lan'], user: ['u'], mode: 'tls', port: '5000', auth: 'htpasswd' }, env({ interactive: true, prompt }));
    expect(a.users[0]!.password).toBe('same');
    expect(prompt.asked).toEqual(['Password for u', 'Repeat the password for u', 'note: The two passwords differ; try again.', 'Password for u', 'Repeat the password for u', expect.stringMatching(/^Pull-through caches/)]);
    // the wizard's mirrors take 5010 and on, as --mirror does
    expect(a.mirrors).toEqual([{ upstream: 'docker.io', url: 'https://registry-1.docker.io', port: 5010 }, { upstream: 'ghcr.io', url: 'https://ghcr.io', port: 5011 }]);
  });

  it('reads one password from stdin, without its trailing newline', async () => {
    const a = await resolveInitAnswers({ host: ['h.lan'], user: ['ci'], passwordStdin: true }, env());
    expect(a.users).toEqual([{ name: 'ci', password: 'from-stdin', generated: false }]);
  });

  it.each<[InitFlags, RegExp]>([
    [{}, /^missing --host: .*pass --host, or --yes/],
    [{ host: ['h.lan'] }, /^missing --user:/],
    [{ host: ['h.lan'], user: ['ci'] }, /^missing --password-stdin: a password for ci/],
    [{ host: ['h.lan'], user: ['a', 'b'], passwordStdin: true }, /--password-stdin reads one password/],
    [{ mode: 'insecure', user: ['a'], yes: true }, /--user cannot be used with --mode insecure/],
    [{ mode: 'https', yes: true }, /--mode "https" is not one of/],
    [{ mode: 'insecure', auth: 'token', yes: true }, /^--auth token cannot be used with --mode insecure: tokens and passwords need TLS$/],
    [{ auth: 'ldap', yes: true }, /^--auth "ldap" is not one of: htpasswd, token$/],
    [{ authPort: '5001', yes: true }, /^--auth-port is the token server's port: it needs --auth token$/],
    [{ auth: 'token', mode: 'proxy', authPort: '5001', yes: true }, /^--auth-port is for tls mode/],
    [{ auth: 'token', port: '5001', authPort: '5001', yes: true }, /^--auth-port 5001 is the registry's --port/],
    [{ caCert: 'x.crt', yes: true }, /--ca-cert and --ca-key go together/],
    [{ days: '400', caDays: '300', yes: true }, /--days 400 outlives the CA/],
    [{ port: '70000', yes: true }, /--port "70000"/],
    [{ host: ['10.0.0.256'], yes: true }, /--host "10.0.0.256"/],
    [{ user: ['a:b'], yes: true }, /cannot contain ':'/],
    [{ dir: '', yes: true }, /^--dir "" must name a directory \(use \. for this one\)$/],
    [{ keyType: 'dsa', yes: true }, /^--key-type "dsa" is not one of: ecdsa, rsa$/],
    [{ keySize: '3072', yes: true }, /^--key-size sets an RSA key's size; ECDSA keys are P-256 \(pass --key-type rsa for RSA\)$/],
    [{ keyType: 'ecdsa', caKeySize: '4096', yes: true }, /^--ca-key-size sets an RSA key's size/],
    [{ keyType: 'rsa', keySize: '1024', yes: true }, /^--key-size 1024: RSA keys of 2048, 3072 or 4096 bits are supported$/],
    [{ keyType: 'rsa', caKeySize: '8192', yes: true }, /^--ca-key-size 8192: /],
    [{ days: '0', yes: true }, /^--days "0" must be a whole number from 1 to 3650$/],
    [{ bcryptCost: '15', yes: true }, /^--bcrypt-cost "15" must be a whole number from 4 to 14$/],
  ])('without a terminal, %j is a usage error', async (flags, message) => {
    await expect(resolveInitAnswers(flags, env())).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });

  it('an empty password from stdin is refused', async () => {
    await expect(resolveInitAnswers({ host: ['h'], user: ['ci'], passwordStdin: true }, env({ readStdin: async () => '\n' }))).rejects.toThrow('the password for ci is empty');
  });

  it('insecure mode asks for no users or passwords', async () => {
    const a = await resolveInitAnswers({ mode: 'insecure', host: ['h.lan'] }, env());
    expect(a.users).toEqual([]);
  });
});
