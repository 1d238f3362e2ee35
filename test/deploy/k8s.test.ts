// The Kubernetes manifests and Helm values parse, and every Deployment is
// deployable the way docs/operations.md promises: 2 replicas, probes on
// /healthz, non-root, read-only root filesystem, requests and limits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryKeysSchema } from '@relay/directory';
import { parseAllDocuments } from 'yaml';
import { filesUnder, REPO_DEPLOY } from './deploy-copy.js';

const K8S = join(REPO_DEPLOY, 'k8s');
const FILES = filesUnder(K8S, '.yaml');

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
}
interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: { spec?: { securityContext?: { runAsNonRoot?: boolean }; containers?: Container[] } };
  };
}

/** Every YAML document of a file; a syntax error anywhere fails with the file and position. */
function documents(file: string): unknown[] {
  return parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

const MANIFESTS = FILES.flatMap((f) => documents(f).map((d) => ({ file: f, doc: d as Manifest })));
const DEPLOYMENTS = MANIFESTS.filter((m) => m.doc.kind === 'Deployment');

describe('deploy/k8s', () => {
  it.each(FILES)('%s parses as YAML', (file) => {
    expect(documents(file).length).toBeGreaterThan(0);
  });

  it('has a Deployment and a Service for each service', () => {
    for (const service of ['gateway', 'locator', 'dispatcher', 'watch', 'console']) {
      for (const kind of ['Deployment', 'Service']) {
        expect(MANIFESTS.some((m) => m.doc.kind === kind && m.doc.metadata?.name === `relay-${service}`), `${kind} relay-${service}`).toBe(true);
      }
    }
  });

  it.each(DEPLOYMENTS.map((d) => [d.doc.metadata?.name ?? d.file, d.doc] as const))('%s probes /healthz for liveness and readiness on a declared port', (_, d) => {
    const containers = d.spec?.template?.spec?.containers ?? [];
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      const ports = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        expect(probe?.httpGet?.path, c.name).toBe('/healthz');
        expect(ports.has(probe?.httpGet?.port), `${c.name} probe port ${String(probe?.httpGet?.port)}`).toBe(true);
      }
    }
  });

  it.each(DEPLOYMENTS.map((d) => [d.doc.metadata?.name ?? d.file, d.doc] as const))('%s runs 2 replicas non-root on a read-only root filesystem with requests and limits', (_, d) => {
    expect(d.spec?.replicas).toBe(2);
    expect(d.spec?.template?.spec?.securityContext?.runAsNonRoot).toBe(true);
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(c.envFrom?.some((e) => e.configMapRef?.name === 'relay-config')).toBe(true);
    }
  });

  it.each(MANIFESTS.filter((m) => m.doc.kind === 'Deployment' || m.doc.kind === 'StatefulSet').map((d) => [d.doc.metadata?.name ?? d.file, d.doc] as const))(
    '%s serves its probes beyond loopback: the kubelet connects to the pod address, not 127.0.0.1',
    (_, d) => {
      for (const c of d.spec?.template?.spec?.containers ?? []) {
        expect(c.env?.find((e) => e.name === 'RELAY_OPS_HOST')?.value, c.name).toBe('0.0.0.0');
      }
    },
  );

  it('runs the courier as a single StatefulSet pod (order per case needs one reader), with the Deployments\' probes and limits', () => {
    const courier = MANIFESTS.find((m) => m.doc.kind === 'StatefulSet' && m.doc.metadata?.name === 'relay-courier')?.doc;
    expect(courier?.spec?.replicas).toBe(1);
    expect(MANIFESTS.some((m) => m.doc.kind === 'Service' && m.doc.metadata?.name === 'relay-courier')).toBe(true);
    for (const c of courier?.spec?.template?.spec?.containers ?? []) {
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(c.envFrom?.some((e) => e.configMapRef?.name === 'relay-config')).toBe(true);
    }
    expect(courier?.spec?.template?.spec?.containers?.length).toBe(1);
  });

  it('runs `relay audit --repair --follow` as one operator pod with probes and limits (decision 0155)', () => {
    const follower = MANIFESTS.find((m) => m.doc.kind === 'StatefulSet' && m.doc.metadata?.name === 'relay-audit-follow')?.doc as (Manifest & { spec?: { template?: { spec?: { containers?: (Container & { command?: string[] })[] } } } }) | undefined;
    expect(follower?.spec?.replicas).toBe(1);
    const [c] = follower?.spec?.template?.spec?.containers ?? [];
    expect(c?.command?.slice(0, 6)).toEqual(['node', 'services/cli/bin/relay.js', 'audit', '--follow', '--repair', '--reason']);
    expect(c?.env?.find((e) => e.name === 'NATS_INBOX_PREFIX')?.value).toMatch(/^_INBOX\.operator\.operator-[a-z0-9-]+$/);
    expect(c?.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(c?.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(c?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(Object.keys(c?.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(c?.envFrom?.some((e) => e.configMapRef?.name === 'relay-config')).toBe(true);
  });

  it('gives the NATS Helm chart a 3-node JetStream cluster with file storage and TLS on clients and routes', () => {
    const [values] = documents('nats/values.yaml') as [
      {
        config: {
          cluster: { enabled: boolean; replicas: number; tls: { enabled: boolean } };
          nats: { tls: { enabled: boolean } };
          jetstream: { enabled: boolean; fileStore: { enabled: boolean; pvc: { enabled: boolean } }; merge: Record<string, unknown> };
        };
      },
    ];
    expect(values.config.cluster).toMatchObject({ enabled: true, replicas: 3, tls: { enabled: true } });
    expect(values.config.nats.tls.enabled).toBe(true);
    expect(values.config.jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true, pvc: { enabled: true } } });
    expect(values.config.jetstream.merge).toMatchObject({ sync_interval: 'always', cipher: 'chachapoly' });
  });

  it('has the dispatcher and the locator pin a directory key from the shared config, a placeholder they refuse until it is replaced', () => {
    const config = MANIFESTS.find((m) => m.doc.kind === 'ConfigMap' && m.doc.metadata?.name === 'relay-config')?.doc.data ?? {};
    expect(config['RELAY_DIRECTORY_KEY']).toBeDefined();
    expect(directoryKeysSchema.safeParse(config['RELAY_DIRECTORY_KEY']).success).toBe(false);
    for (const name of ['relay-dispatcher', 'relay-locator', 'relay-watch']) {
      const d = DEPLOYMENTS.find((m) => m.doc.metadata?.name === name)?.doc;
      for (const c of d?.spec?.template?.spec?.containers ?? []) expect(c.envFrom?.some((e) => e.configMapRef?.name === 'relay-config'), name).toBe(true);
    }
  });
});
