import { execFileSync } from 'child_process';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS } from '../platform';
import { platformOutput } from './support/platform';
import { hasTool } from './support/tools';

const DIST = path.join(__dirname, '..', 'dist');
const describeWithKubectl = hasTool('kubectl', 'install kubectl (Debian: apt-get install kubernetes-client)') ? describe : describe.skip;

describeWithKubectl('kubectl kustomize', () => {
  const files = platformOutput();

  test.each([...ENVIRONMENTS.map((e) => e.name), 'gitops'])('builds dist/%s with every object of the folder', (env) => {
    const built = execFileSync('kubectl', ['kustomize', path.join(DIST, env)], { encoding: 'utf8' });
    const identities = (docs: any[]) => docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`).sort();
    const expected = files
      .filter((f) => f.path.startsWith(`${env}/`) && !f.path.endsWith('kustomization.yaml'))
      .flatMap((f) => f.objects!);
    expect(identities(parseAllDocuments(built).map((d) => d.toJSON()))).toEqual(identities(expected));
  });
});
