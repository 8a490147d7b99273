import { ConfigMap, PersistentVolumeClaim, Secret } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { parseAllDocuments } from 'yaml';

/**
 * Kubernetes' published OpenAPI schemas (the kubernetes-models package's validators), held strictly: no API server
 * can run here, so manifests are checked as `kubectl apply` would check them. Its validators check types, required
 * fields and formats but pass fields they do not know; kubectl's strict field validation refuses those, so every
 * field of a document must also be one its schema's validator reads (each read is recorded through a Proxy).
 */
const MODELS: Record<string, { prototype: { validate(): void } }> = {
  'v1/ConfigMap': ConfigMap, 'v1/PersistentVolumeClaim': PersistentVolumeClaim, 'v1/Secret': Secret, 'batch/v1/Job': Job,
};

type Reads = Map<object, Set<string>>;

/** `value` as a validator sees it, recording each field read of it and of everything below it. */
function recorded(value: object, reads: Reads): object {
  const seen = new Set<string>();
  reads.set(value, seen);
  const children = new Map<object, object>();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') seen.add(key);
      const child: unknown = Reflect.get(target, key, receiver);
      if (child === null || typeof child !== 'object') return child;
      if (!children.has(child)) children.set(child, recorded(child, reads));
      return children.get(child);
    },
  });
}

/** The paths of fields no schema read: fields Kubernetes does not know. */
function unknownFields(value: unknown, reads: Reads, path: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => unknownFields(item, reads, `${path}/${i}`));
  const seen = reads.get(value);
  return Object.entries(value).flatMap(([key, child]) =>
    (seen?.has(key) ? unknownFields(child, reads, `${path}/${key}`) : [`${path}/${key}: unknown field`]));
}

/** What is wrong with each document of a manifests file against Kubernetes' schemas, as `Kind name: problem` lines. */
export function k8sSchemaProblems(text: string): string[] {
  // YAML 1.1, as Kubernetes reads it: an unquoted 2030-01-01T00:00:00Z is a time there, `on` a boolean.
  return parseAllDocuments(text, { version: '1.1' }).flatMap((document) => {
    if (document.errors.length > 0) return document.errors.map((error) => `YAML: ${error.message}`);
    const object = document.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
    const where = `${object.kind} ${object.metadata?.name}`;
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!model) return [`${where}: no schema for ${object.apiVersion} ${object.kind} here`];
    const reads: Reads = new Map();
    try {
      model.prototype.validate.call(recorded(object, reads));
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
    return unknownFields(object, reads, 'data').map((problem) => `${where}: ${problem}`);
  });
}
