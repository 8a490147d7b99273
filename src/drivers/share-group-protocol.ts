import { Writer, createAPI, type Reader } from '@platformatic/kafka';

/**
 * The share-group requests of Kafka's protocol (KIP-932), which no Node.js client speaks: ShareGroupHeartbeat v1,
 * ShareFetch v1, ShareAcknowledge v1 and DescribeShareGroupOffsets v1, as kafka-clients 4.4.0's message definitions
 * (common/message/*.json) lay them out. Every one is flexible: compact strings, arrays and bytes (length + 1 as an
 * unsigned varint, 0 for null), and a tagged-fields section after each struct. These versions are what brokers
 * from 4.2 (share groups' general availability) on all take. Encoded with @platformatic/kafka's Writer and sent
 * on its Connection, as broker-version.ts sends ApiVersions; errors are returned as codes, never thrown here.
 */

export const SHARE_GROUP_HEARTBEAT_KEY = 76;
export const SHARE_FETCH_KEY = 78;
export const SHARE_ACKNOWLEDGE_KEY = 79;
export const DESCRIBE_SHARE_GROUP_OFFSETS_KEY = 90;

/** AcknowledgeTypes of an acknowledgement batch (ShareFetchRequest.json). */
export const AcknowledgeType = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3 } as const;
export type AcknowledgeTypeValue = (typeof AcknowledgeType)[keyof typeof AcknowledgeType];

/** The error codes the share consumer tells apart (Kafka's Errors). */
export const ShareErrors = {
  NOT_LEADER_OR_FOLLOWER: 6,
  NOT_COORDINATOR: 16,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  UNKNOWN_TOPIC_ID: 100,
  FENCED_MEMBER_EPOCH: 110,
  UNKNOWN_MEMBER_ID: 25,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
} as const;

export interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

export interface ShareGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  /** 0 to join, -1 to leave, else the member's current epoch. */
  memberEpoch: number;
  /** Null when unchanged since the last heartbeat. */
  subscribedTopicNames: string[] | null;
}

export interface ShareGroupHeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Null when unchanged. */
  assignment: TopicPartitions[] | null;
}

/** A range of offsets acknowledged one way (one type for all), or record by record (one type per offset). */
export interface AcknowledgementBatch {
  firstOffset: number;
  lastOffset: number;
  acknowledgeTypes: AcknowledgeTypeValue[];
}

export interface PartitionAcknowledgements {
  partitionIndex: number;
  acknowledgementBatches: AcknowledgementBatch[];
}

export interface ShareFetchRequest {
  groupId: string;
  memberId: string;
  /** 0 opens a share session, -1 closes it, else the next in sequence. */
  shareSessionEpoch: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxRecords: number;
  batchSize: number;
  /** Partitions added to the session, or carrying acknowledgements. */
  topics: Array<{ topicId: string; partitions: PartitionAcknowledgements[] }>;
  forgottenTopicsData: TopicPartitions[];
}

export interface AcquiredRecords {
  firstOffset: number;
  lastOffset: number;
  deliveryCount: number;
}

export interface ShareFetchPartition {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  acknowledgeErrorCode: number;
  acknowledgeErrorMessage: string | null;
  leaderId: number;
  leaderEpoch: number;
  /** The record batches holding the acquired records (and maybe others around them, not acquired). */
  records: Buffer | null;
  acquiredRecords: AcquiredRecords[];
}

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
}

export interface ShareFetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  acquisitionLockTimeoutMs: number;
  responses: Array<{ topicId: string; partitions: ShareFetchPartition[] }>;
  nodeEndpoints: NodeEndpoint[];
}

export interface ShareAcknowledgeRequest {
  groupId: string;
  memberId: string;
  shareSessionEpoch: number;
  topics: Array<{ topicId: string; partitions: PartitionAcknowledgements[] }>;
}

export interface ShareAcknowledgePartition {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  leaderId: number;
  leaderEpoch: number;
}

export interface ShareAcknowledgeResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  responses: Array<{ topicId: string; partitions: ShareAcknowledgePartition[] }>;
  nodeEndpoints: NodeEndpoint[];
}

export interface ShareGroupOffsetsPartition {
  partitionIndex: number;
  /** The share-partition start offset: every record before it is acknowledged; -1 when the group has not started there. */
  startOffset: number;
  leaderEpoch: number;
  /** Records past the start offset not yet acknowledged; -1 when unknown. */
  lag: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface DescribeShareGroupOffsetsResponse {
  throttleTimeMs: number;
  groups: Array<{
    groupId: string;
    topics: Array<{ topicName: string; topicId: string; partitions: ShareGroupOffsetsPartition[] }>;
    errorCode: number;
    errorMessage: string | null;
  }>;
}

const int64 = (value: number) => BigInt(value);
const readInt64 = (reader: Reader) => Number(reader.readInt64());
/** A compact array of int32 or int8 values: no tagged fields after each. */
const PRIMITIVES = [true, false] as const;

export function encodeShareGroupHeartbeat(request: ShareGroupHeartbeatRequest): Writer {
  return Writer.create()
    .appendString(request.groupId)
    .appendString(request.memberId)
    .appendInt32(request.memberEpoch)
    .appendString(null) // rack id
    .appendArray(request.subscribedTopicNames, (w, name) => w.appendString(name), ...PRIMITIVES)
    .appendTaggedFields();
}

const readTopicPartitions = (r: Reader): TopicPartitions => ({ topicId: r.readUUID(), partitions: r.readArray((p) => p.readInt32(), ...PRIMITIVES) });

export function decodeShareGroupHeartbeat(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ShareGroupHeartbeatResponse {
  const response = {
    throttleTimeMs: reader.readInt32(),
    errorCode: reader.readInt16(),
    errorMessage: reader.readNullableString(),
    memberId: reader.readNullableString(),
    memberEpoch: reader.readInt32(),
    heartbeatIntervalMs: reader.readInt32(),
  };
  const assignment = reader.readNullableStruct(() => {
    const topics = reader.readArray(readTopicPartitions);
    reader.readTaggedFields();
    return topics;
  });
  return { ...response, assignment };
}

const appendAcknowledgements = (w: Writer, partition: PartitionAcknowledgements) => w
  .appendInt32(partition.partitionIndex)
  .appendArray(partition.acknowledgementBatches, (b, batch) => b
    .appendInt64(int64(batch.firstOffset))
    .appendInt64(int64(batch.lastOffset))
    .appendArray(batch.acknowledgeTypes, (t, type) => t.appendInt8(type), ...PRIMITIVES));

export function encodeShareFetch(request: ShareFetchRequest): Writer {
  return Writer.create()
    .appendString(request.groupId)
    .appendString(request.memberId)
    .appendInt32(request.shareSessionEpoch)
    .appendInt32(request.maxWaitMs)
    .appendInt32(request.minBytes)
    .appendInt32(request.maxBytes)
    .appendInt32(request.maxRecords)
    .appendInt32(request.batchSize)
    .appendArray(request.topics, (w, topic) => w.appendUUID(topic.topicId).appendArray(topic.partitions, appendAcknowledgements))
    .appendArray(request.forgottenTopicsData, (w, topic) => w.appendUUID(topic.topicId).appendArray(topic.partitions, (p, index) => p.appendInt32(index), ...PRIMITIVES))
    .appendTaggedFields();
}

/** LeaderIdAndEpoch: a struct (not nullable) with its own tagged fields. */
function readLeader(r: Reader): { leaderId: number; leaderEpoch: number } {
  const leader = { leaderId: r.readInt32(), leaderEpoch: r.readInt32() };
  r.readTaggedFields();
  return leader;
}

const readNodeEndpoint = (r: Reader): NodeEndpoint => {
  const endpoint = { nodeId: r.readInt32(), host: r.readString(), port: r.readInt32() };
  r.readNullableString(); // rack
  return endpoint;
};

function readShareFetchPartition(r: Reader): ShareFetchPartition {
  const head = {
    partitionIndex: r.readInt32(),
    errorCode: r.readInt16(),
    errorMessage: r.readNullableString(),
    acknowledgeErrorCode: r.readInt16(),
    acknowledgeErrorMessage: r.readNullableString(),
  };
  const leader = readLeader(r);
  const records = r.readNullableBytes();
  const acquiredRecords = r.readArray((a) => ({ firstOffset: readInt64(a), lastOffset: readInt64(a), deliveryCount: a.readInt16() }));
  return { ...head, ...leader, records, acquiredRecords };
}

export function decodeShareFetch(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ShareFetchResponse {
  return {
    throttleTimeMs: reader.readInt32(),
    errorCode: reader.readInt16(),
    errorMessage: reader.readNullableString(),
    acquisitionLockTimeoutMs: reader.readInt32(),
    responses: reader.readArray((t) => ({ topicId: t.readUUID(), partitions: t.readArray(readShareFetchPartition) })),
    nodeEndpoints: reader.readArray(readNodeEndpoint),
  };
}

export function encodeShareAcknowledge(request: ShareAcknowledgeRequest): Writer {
  return Writer.create()
    .appendString(request.groupId)
    .appendString(request.memberId)
    .appendInt32(request.shareSessionEpoch)
    .appendArray(request.topics, (w, topic) => w.appendUUID(topic.topicId).appendArray(topic.partitions, appendAcknowledgements))
    .appendTaggedFields();
}

function readShareAcknowledgePartition(r: Reader): ShareAcknowledgePartition {
  const head = { partitionIndex: r.readInt32(), errorCode: r.readInt16(), errorMessage: r.readNullableString() };
  return { ...head, ...readLeader(r) };
}

export function decodeShareAcknowledge(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ShareAcknowledgeResponse {
  return {
    throttleTimeMs: reader.readInt32(),
    errorCode: reader.readInt16(),
    errorMessage: reader.readNullableString(),
    responses: reader.readArray((t) => ({ topicId: t.readUUID(), partitions: t.readArray(readShareAcknowledgePartition) })),
    nodeEndpoints: reader.readArray(readNodeEndpoint),
  };
}

/** One group's offsets on one topic's partitions (null: every partition the group has started on). */
export function encodeDescribeShareGroupOffsets(groupId: string, topic: { name: string; partitions: number[] } | null): Writer {
  return Writer.create()
    .appendArray([groupId], (w, group) => w
      .appendString(group)
      .appendArray(topic ? [topic] : null, (t, { name, partitions }) => t.appendString(name).appendArray(partitions, (p, index) => p.appendInt32(index), ...PRIMITIVES)))
    .appendTaggedFields();
}

export function decodeDescribeShareGroupOffsets(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): DescribeShareGroupOffsetsResponse {
  return {
    throttleTimeMs: reader.readInt32(),
    groups: reader.readArray((g) => ({
      groupId: g.readString(),
      topics: g.readArray((t) => ({
        topicName: t.readString(),
        topicId: t.readUUID(),
        partitions: t.readArray((p) => ({
          partitionIndex: p.readInt32(),
          startOffset: readInt64(p),
          leaderEpoch: p.readInt32(),
          lag: readInt64(p),
          errorCode: p.readInt16(),
          errorMessage: p.readNullableString(),
        })),
      })),
      errorCode: g.readInt16(),
      errorMessage: g.readNullableString(),
    })),
  };
}

export const shareGroupHeartbeatV1 = createAPI<[ShareGroupHeartbeatRequest], ShareGroupHeartbeatResponse>(SHARE_GROUP_HEARTBEAT_KEY, 1, encodeShareGroupHeartbeat, decodeShareGroupHeartbeat);
export const shareFetchV1 = createAPI<[ShareFetchRequest], ShareFetchResponse>(SHARE_FETCH_KEY, 1, encodeShareFetch, decodeShareFetch);
export const shareAcknowledgeV1 = createAPI<[ShareAcknowledgeRequest], ShareAcknowledgeResponse>(SHARE_ACKNOWLEDGE_KEY, 1, encodeShareAcknowledge, decodeShareAcknowledge);
export const describeShareGroupOffsetsV1 = createAPI<[string, { name: string; partitions: number[] } | null], DescribeShareGroupOffsetsResponse>(
  DESCRIBE_SHARE_GROUP_OFFSETS_KEY, 1, encodeDescribeShareGroupOffsets, decodeDescribeShareGroupOffsets);
