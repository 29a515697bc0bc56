/**
 * @module wire/message-reply
 *
 * A Reply for a handler that already holds a protobuf-es message (as opposed
 * to stored proto3 JSON text). The JSON form is computed only when a REST
 * client asks for it.
 */
import { toJson } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape, Registry } from "@bufbuild/protobuf";
import type { JsonReplyOptions, Reply } from "./rpc.js";

export function messageReply<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  options: { readonly registry?: Registry } = {},
): Reply {
  return {
    schema,
    message: () => message,
    json: (json: JsonReplyOptions) =>
      JSON.stringify(
        toJson(schema, message, {
          enumAsInteger: json.enumAsInteger,
          ...(options.registry ? { registry: options.registry } : {}),
        }),
      ),
  };
}
