import { ChildProcess, spawn } from 'child_process';
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort } from './postgres';

/**
 * Azurite, Microsoft's Azure Storage emulator, as a real Blob service that checks shared access
 * signatures: a request outside a SAS's permissions is refused with 403, as Azure refuses it.
 * The account is Azurite's built-in development account; its key is the documented public
 * development key, not a credential of anything.
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const SAS_VERSION = '2018-11-09';

/** The azurite-blob launcher from node_modules; undefined when the package is not installed. */
export function azuriteBin(): string | undefined {
  const bin = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'azurite-blob');
  return fs.existsSync(bin) ? bin : undefined;
}

export interface Azurite {
  readonly port: number;
  /** Creates a private container (with an account SAS that may only create containers). */
  createContainer(container: string): Promise<void>;
  /** A container SAS URL with `permissions` in Azure's canonical order ("racwdl"), valid for a day. */
  containerSasUrl(container: string, permissions: string): string;
  stop(): void;
}

function sign(stringToSign: string): string {
  return createHmac('sha256', Buffer.from(AZURITE_KEY, 'base64')).update(stringToSign, 'utf8').digest('base64');
}

function expiry(): string {
  return new Date(Date.now() + 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Starts the Blob service on a free port, in memory; call `stop()` in `afterAll`. */
export async function startAzurite(bin: string, workDir: string): Promise<Azurite> {
  const port = await freePort();
  const child: ChildProcess = spawn(bin, [
    '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--silent',
  ], { stdio: 'ignore', cwd: workDir });
  const base = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const request = (method: string, url: string) => new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'x-ms-version': SAS_VERSION, 'content-length': '0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await request('GET', `${base}?comp=list`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`azurite did not listen on port ${port} within 20 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    port,
    async createContainer(container: string) {
      const se = expiry();
      // Account SAS: account, permissions, services, resource types, start, expiry, IP, protocol, version.
      const sig = sign([AZURITE_ACCOUNT, 'c', 'b', 'c', '', se, '', '', SAS_VERSION, ''].join('\n'));
      const query = new URLSearchParams({ sv: SAS_VERSION, ss: 'b', srt: 'c', sp: 'c', se, sig });
      const status = await request('PUT', `${base}/${container}?restype=container&${query}`);
      if (status !== 201) throw new Error(`azurite: creating container ${container} returned ${status}`);
    },
    containerSasUrl(container: string, permissions: string) {
      const se = expiry();
      // Service SAS (2018-11-09): permissions, start, expiry, resource, identifier, IP, protocol,
      // version, signed resource, snapshot time, then the five response headers.
      const sig = sign([permissions, '', se, `/blob/${AZURITE_ACCOUNT}/${container}`, '', '', '', SAS_VERSION, 'c', '', '', '', '', '', ''].join('\n'));
      return `${base}/${container}?${new URLSearchParams({ sv: SAS_VERSION, sr: 'c', sp: permissions, se, sig })}`;
    },
    stop() {
      child.kill();
    },
  };
}
