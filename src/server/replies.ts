/**
 * @module server/replies
 *
 * Replies built from stored records. The common REST case (no integer enums)
 * writes the stored canonical JSON through untouched, and only gRPC or
 * `enum-encoding=int` pay for parsing it into a message — unless the record
 * was just written and still carries the message it was made from, which is
 * used as is when it encodes like its JSON (see grafeas/json-round-trip).
 */
import { create, toJsonString, type DescMessage, type Message } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import type { WrittenRecord } from "../grafeas/grafeas-service.js";
import { encodesLikeItsJson } from "../grafeas/json-round-trip.js";
import { grafeasRegistry, messageFromStoredJson } from "../grafeas/proto-json.js";
import type { StoredRecord } from "../store/store.js";
import { messageReply } from "../wire/message-reply.js";
import type { JsonReplyOptions, Reply } from "../wire/rpc.js";

function messageJson(schema: DescMessage, message: Message, options: JsonReplyOptions): string {
  return toJsonString(schema, message, {
    enumAsInteger: options.enumAsInteger,
    registry: grafeasRegistry,
  });
}

export const emptyReply: Reply = messageReply(EmptySchema, create(EmptySchema));

/** The record as a message of `schema`: the one it was written from when that encodes alike, else its JSON parsed. */
function recordMessage(schema: DescMessage, record: StoredRecord): Message {
  const written = (record as Partial<WrittenRecord>).message;
  if (written?.$typeName === schema.typeName && encodesLikeItsJson(schema, written)) return written;
  return messageFromStoredJson(schema, record.json);
}

/** One stored object as the reply. */
export function recordReply(schema: DescMessage, record: StoredRecord): Reply {
  let parsed: Message | undefined;
  const message = () => (parsed ??= recordMessage(schema, record));
  return {
    schema,
    message,
    json: (options) => (options.enumAsInteger ? messageJson(schema, message(), options) : record.json),
  };
}

/**
 * A list response: `{"<field>": [records…], "nextPageToken": "…"}`, with
 * proto3 JSON's omission of empty lists and empty tokens.
 */
export function listReply(
  schema: DescMessage,
  itemSchema: DescMessage,
  field: string,
  records: readonly StoredRecord[],
  nextPageToken?: string,
): Reply {
  let parsed: Message | undefined;
  const message = () =>
    (parsed ??= create(schema, {
      [field]: records.map((r) => recordMessage(itemSchema, r)),
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
    }));
  return {
    schema,
    message,
    json(options) {
      if (options.enumAsInteger) return messageJson(schema, message(), options);
      const parts: string[] = [];
      if (records.length > 0) {
        parts.push(`"${field}":[${records.map((r) => r.json).join(",")}]`);
      }
      if (nextPageToken) parts.push(`"nextPageToken":${JSON.stringify(nextPageToken)}`);
      return `{${parts.join(",")}}`;
    },
  };
}
