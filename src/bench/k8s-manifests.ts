import { InvalidArgumentError } from 'commander';
import { isMap, isScalar, parseDocument, stringify } from 'yaml';
import type { RunConfig } from '../produce/run-config.js';
import { isSecretProperty, secretsIn } from '../security/client-security.js';
import { DataStormError, type ErrorCode } from '../shared/errors.js';

/** What `bench k8s` renders the manifests of one sharded benchmark from. */
export interface K8sBenchPlan {
  /** The workload file's name (for the header) and its text without secrets (splitWorkloadSecrets), carried by the ConfigMap. */
  workloadFile: string;
  workloadText: string;
  shards: number;
  image: string;
  bootstrap: string;
  /** The start barrier every shard waits for (ISO time): the pods start as they are scheduled, the load together. */
  startAt: string;
  /** When the merge stops waiting for the shards' results and fails naming the missing ones (ISO time). */
  mergeDeadline: string;
  /** The Secret the shards read their secret client properties from; none when there are none. */
  secret?: ClientSecret;
}

/** A Secret the user creates, whose key SECRET_KEY is a properties file: the shards read it with --producer.config. */
export interface ClientSecret {
  name: string;
  /** The workload's properties it must hold (taken out of the ConfigMap); empty when the workload names none. */
  keys: string[];
}

const RESULTS = '/results';
const LABEL = 'datastorm-bench';
const SECRET_KEY = 'producer.properties';
const SECRET_DIR = '/secrets';
/** The Secret's name when the workload holds secrets and --secret-name names none. */
const DEFAULT_SECRET_NAME = `${LABEL}-client`;

/** The merge's grace past twice the run: pods that prepared late, a slow reconciliation at the end. */
const MERGE_GRACE_MS = 600_000;
/** The merge's wait past the barrier when the run's length is not known (records at no fixed rate). */
const UNKNOWN_RUN_MERGE_WAIT_MS = 3_600_000;

/** A Kubernetes object name (RFC 1123 subdomain), as a commander argParser. */
export function parseK8sName(flag: string) {
  return (value: string): string => {
    if (value.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) {
      throw new InvalidArgumentError(`${flag} takes a Kubernetes name (lower-case letters, digits, "-" and ".", at most 253), not "${value}"`);
    }
    return value;
  };
}

/**
 * How long past the barrier the merge waits for every shard's result: `givenMs` (--merge-deadline), else twice the
 * run's length and 10 minutes, or an hour when the length is not known. A wait shorter than the run would fail every merge.
 */
export function mergeWaitMs(config: RunConfig, givenMs?: number): number {
  const runMs = config.durationMs
    ?? (config.numRecords !== undefined && config.throughputRps > 0 && !config.throughputProfile
      ? Math.ceil((config.numRecords / config.throughputRps) * 1000) : undefined);
  if (givenMs === undefined) return runMs === undefined ? UNKNOWN_RUN_MERGE_WAIT_MS : 2 * runMs + MERGE_GRACE_MS;
  if (runMs !== undefined && givenMs <= runMs) {
    throw new DataStormError('DS_BAD_OPTION', `--merge-deadline ${givenMs / 1000}s does not outlast the run (${runMs / 1000}s after the barrier)`, {
      hint: 'give the shards time to finish and write their results, e.g. twice the run',
    });
  }
  return givenMs;
}

/**
 * The workload's text for the ConfigMap, its secret client properties (isSecretProperty) taken out of `producer:`
 * (comments and layout kept), and the Secret the shards read them from: `secretName`, else DEFAULT_SECRET_NAME when
 * there are any. A secret that still shows in the text (a comment, another key) is refused: it would be printed.
 */
export function splitWorkloadSecrets(text: string, source: string, secretName?: string): { workloadText: string; secret?: ClientSecret } {
  const document = parseDocument(text);
  const producer = document.get('producer');
  const pairs = isMap(producer) ? producer.items : [];
  const scalarText = (node: unknown) => String(isScalar(node) ? node.value : node);
  const secrets = pairs.map(({ key, value }) => ({ name: scalarText(key), value: scalarText(value) })).filter(({ name }) => isSecretProperty(name));
  const keys = secrets.map(({ name }) => name);
  for (const key of keys) document.deleteIn(['producer', key]);
  const workloadText = keys.length === 0 ? text : document.toString({ lineWidth: 0 });
  const shown = secrets.find(({ name, value }) => secretsIn(name, value).some((secret) => workloadText.includes(secret)));
  if (shown) {
    throw new DataStormError('DS_BAD_WORKLOAD', `${source}: the secret of producer ${shown.name} also appears elsewhere in the file (a comment or another key), ` +
      'and the manifests would print it', { hint: 'take it out of there: a secret goes only into the Secret the shards read, --secret-name' });
  }
  const name = secretName ?? (keys.length > 0 ? DEFAULT_SECRET_NAME : undefined);
  return { workloadText, secret: name === undefined ? undefined : { name, keys } };
}

/** How to create the Secret the shards read: the exact command, with a file the user fills in (never a value). */
export function secretInstructions(secret: ClientSecret): string[] {
  const what = secret.keys.length > 0 ? `the workload's ${secret.keys.join(', ')} (kept out of these manifests)` : 'their secret client properties';
  const lines = secret.keys.length > 0 ? secret.keys.map((key) => `${key}=...`).join(', ') : 'e.g. sasl.jaas.config=...';
  return [
    `The shards read ${what} from the Secret`,
    `${secret.name}, key ${SECRET_KEY}: a properties file, as bench run --producer.config reads it.`,
    `Create it before applying, from a file of the lines ${lines}:`,
    `  kubectl create secret generic ${secret.name} --from-file=${SECRET_KEY}=client-secrets.properties`,
  ];
}

/** The header of the rendered file: what it is and how to use it. */
function header(plan: K8sBenchPlan): string {
  return [
    `# One DataStorm workload (${plan.workloadFile}) split over ${plan.shards} pods of an indexed Job, then merged into one`,
    '# result: histograms added, counters summed, rates over the whole window (`datastorm merge`). Each pod runs an exact',
    `# 1/${plan.shards} of the workload's records, rate, warmup and workers (--shard i/${plan.shards}); every pod prepares, then starts at`,
    `# the barrier ${plan.startAt} (--start-at), and the merge reports how far apart they started.`,
    `# The merge waits for every shard's result until ${plan.mergeDeadline} (--merge-deadline), then fails naming the shards`,
    '# with none and merges nothing (the others are not the whole load): kubectl logs job/datastorm-bench-merge -c wait-for-shards',
    '#',
    ...(plan.secret ? [...secretInstructions(plan.secret).map((line) => `# ${line}`), '#'] : []),
    '# Rendered by `datastorm bench k8s` (generate with the barrier a few minutes ahead and apply at once):',
    `#   datastorm bench k8s --workload ${plan.workloadFile} --shards ${plan.shards} --image ${plan.image} \\`,
    `#     --bootstrap-server ${plan.bootstrap} --start-in 3m | kubectl apply -f -`,
    '#   kubectl wait --for=condition=complete job/datastorm-bench-merge --timeout=20m',
    '#   kubectl logs job/datastorm-bench-merge          # the merged table; merged.json is on the volume',
    '# The image: docker/Dockerfile. The results volume must be ReadWriteMany (pods run on different nodes).',
    '',
  ].join('\n');
}

/**
 * The merge's init container: waits for shard-1.json .. shard-N.json (each renamed into place when complete), and
 * past the deadline ends non-zero naming the shards with no result, so that a failed shard's pod fails the merge
 * instead of leaving it waiting forever. A script of its environment only (SHARDS, RESULTS, DEADLINE, DEADLINE_EPOCH_S).
 */
const SHARDS_MISSING: ErrorCode = 'DS_SHARDS_MISSING';
export const WAIT_FOR_SHARDS_SCRIPT = `while :; do
  missing=
  i=1
  while [ "$i" -le "$SHARDS" ]; do
    [ -f "$RESULTS/shard-$i.json" ] || missing="\${missing:+$missing, }$i/$SHARDS"
    i=$((i + 1))
  done
  [ -z "$missing" ] && exit 0
  if [ "$(date +%s)" -ge "$DEADLINE_EPOCH_S" ]; then
    echo "error ${SHARDS_MISSING}: no result from shard $missing by the merge deadline $DEADLINE; nothing merged:" \\
      "the other shards are not the whole load (kubectl get pods -l app=${LABEL} shows theirs)" >&2
    exit 1
  fi
  sleep 5
done
`;

/** The ConfigMap, results volume, indexed Job and merge Job of a sharded benchmark, N in every place it belongs. */
export function renderK8sBenchManifests(plan: K8sBenchPlan): string {
  const n = plan.shards;
  const resultsMount = { name: 'results', mountPath: RESULTS };
  const resultsVolume = { name: 'results', persistentVolumeClaim: { claimName: `${LABEL}-results` } };
  const secretMounts = plan.secret ? [{ name: 'client-secrets', mountPath: SECRET_DIR, readOnly: true }] : [];
  const secretVolumes = plan.secret ? [{ name: 'client-secrets', secret: { secretName: plan.secret.name } }] : [];
  const secretConfig = plan.secret ? ` --producer.config ${SECRET_DIR}/${SECRET_KEY}` : '';
  const documents = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${LABEL}-workload` }, data: { 'workload.yaml': plan.workloadText } },
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${LABEL}-results` },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: LABEL },
      spec: {
        completionMode: 'Indexed', completions: n, parallelism: n,
        // A retried shard would send its share twice: a failed shard fails the benchmark.
        backoffLimit: 0,
        template: {
          metadata: { labels: { app: LABEL } },
          spec: {
            restartPolicy: 'Never',
            // One shard per node, so that shards do not share CPUs.
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: LABEL } }, topologyKey: 'kubernetes.io/hostname' }] } },
            containers: [{
              name: 'shard', image: plan.image,
              env: [{ name: 'KAFKA_BOOTSTRAP', value: plan.bootstrap }],
              command: ['sh', '-c'],
              // JOB_COMPLETION_INDEX is 0..N-1; shards are numbered 1..N.
              args: [`datastorm bench run /workload/workload.yaml${secretConfig} --shard $((JOB_COMPLETION_INDEX + 1))/${n} --start-at ${plan.startAt} ` +
                `--bootstrap-server "$KAFKA_BOOTSTRAP" --out ${RESULTS}/shard-$((JOB_COMPLETION_INDEX + 1)).json`],
              resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
              volumeMounts: [{ name: 'workload', mountPath: '/workload', readOnly: true }, ...secretMounts, resultsMount],
            }],
            volumes: [{ name: 'workload', configMap: { name: `${LABEL}-workload` } }, ...secretVolumes, resultsVolume],
          },
        },
      },
    },
    {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${LABEL}-merge` },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            initContainers: [{
              name: 'wait-for-shards', image: plan.image,
              env: [
                { name: 'SHARDS', value: String(n) }, { name: 'RESULTS', value: RESULTS }, { name: 'DEADLINE', value: plan.mergeDeadline },
                { name: 'DEADLINE_EPOCH_S', value: String(Math.ceil(Date.parse(plan.mergeDeadline) / 1000)) },
              ],
              command: ['sh', '-c'], args: [WAIT_FOR_SHARDS_SCRIPT],
              // `kubectl describe` shows the missing shards as the reason the merge failed.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [resultsMount],
            }],
            containers: [{
              name: 'merge', image: plan.image, command: ['sh', '-c'],
              args: [`datastorm merge ${RESULTS}/shard-*.json --out ${RESULTS}/merged.json`],
              volumeMounts: [resultsMount],
            }],
            volumes: [resultsVolume],
          },
        },
      },
    },
  ];
  // YAML 1.1, as Kubernetes reads it: a string that 1.1 would take for a time or a boolean (the deadline) is quoted.
  return header(plan) + documents.map((document) => stringify(document, { lineWidth: 0, version: '1.1' })).join('---\n');
}
