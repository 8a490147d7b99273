import { stringify } from 'yaml';

/** What `bench k8s` renders the manifests of one sharded benchmark from. */
export interface K8sBenchPlan {
  /** The workload file's name (for the header) and its text, carried by the ConfigMap. */
  workloadFile: string;
  workloadText: string;
  shards: number;
  image: string;
  bootstrap: string;
  /** The start barrier every shard waits for (ISO time): the pods start as they are scheduled, the load together. */
  startAt: string;
}

const RESULTS = '/results';
const LABEL = 'datastorm-bench';

/** The header of the rendered file: what it is and how to use it. */
function header(plan: K8sBenchPlan): string {
  return [
    `# One DataStorm workload (${plan.workloadFile}) split over ${plan.shards} pods of an indexed Job, then merged into one`,
    '# result: histograms added, counters summed, rates over the whole window (`datastorm merge`). Each pod runs an exact',
    `# 1/${plan.shards} of the workload's records, rate, warmup and workers (--shard i/${plan.shards}); every pod prepares, then starts at`,
    `# the barrier ${plan.startAt} (--start-at), and the merge reports how far apart they started.`,
    '#',
    '# Rendered by `datastorm bench k8s` (generate with the barrier a few minutes ahead and apply at once):',
    `#   datastorm bench k8s --workload ${plan.workloadFile} --shards ${plan.shards} --image ${plan.image} \\`,
    `#     --bootstrap-server ${plan.bootstrap} --start-in 3m | kubectl apply -f -`,
    '#   kubectl wait --for=condition=complete job/datastorm-bench-merge --timeout=20m',
    '#   kubectl logs job/datastorm-bench-merge          # the merged table; merged.json is on the volume',
    '# The image: docker/Dockerfile. The results volume must be ReadWriteMany (pods run on different nodes).',
    '',
  ].join('\n');
}

/** The ConfigMap, results volume, indexed Job and merge Job of a sharded benchmark, N in every place it belongs. */
export function renderK8sBenchManifests(plan: K8sBenchPlan): string {
  const n = plan.shards;
  const resultsMount = { name: 'results', mountPath: RESULTS };
  const resultsVolume = { name: 'results', persistentVolumeClaim: { claimName: `${LABEL}-results` } };
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
              args: [`datastorm bench run /workload/workload.yaml --shard $((JOB_COMPLETION_INDEX + 1))/${n} --start-at ${plan.startAt} ` +
                `--bootstrap-server "$KAFKA_BOOTSTRAP" --out ${RESULTS}/shard-$((JOB_COMPLETION_INDEX + 1)).json`],
              resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
              volumeMounts: [{ name: 'workload', mountPath: '/workload', readOnly: true }, resultsMount],
            }],
            volumes: [{ name: 'workload', configMap: { name: `${LABEL}-workload` } }, resultsVolume],
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
            // Waits for every shard's result (each is renamed into place when complete).
            initContainers: [{
              name: 'wait-for-shards', image: plan.image, env: [{ name: 'SHARDS', value: String(n) }], command: ['sh', '-c'],
              args: [`until [ "$(ls ${RESULTS}/shard-*.json 2>/dev/null | wc -l)" -ge "$SHARDS" ]; do sleep 5; done`],
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
  return header(plan) + documents.map((document) => stringify(document, { lineWidth: 0 })).join('---\n');
}
