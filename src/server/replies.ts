/**
 * @module server/replies
 *
 * Replies built from stored records. The common REST case (no integer enums)
 * writes the stored canonical JSON through untouched, and only gRPC or
 * `enum-encoding=int` pay for parsing it into a message.
 */
import { create, toJsonString, type DescMessage, type Message } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
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


/** One stored object as the reply. */
export function recordReply(schema: DescMessage, record: StoredRecord): Reply {
  let parsed: Message | undefined;
  const message = () => (parsed ??= messageFromStoredJson(schema, record.json));
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
      [field]: records.map((r) => messageFromStoredJson(itemSchema, r.json)),
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
