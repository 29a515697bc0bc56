/**
 * @module wire/wire-types
 *
 * The protobuf binary wire types, and which one a scalar field's values are
 * written with: shared by the encoder and the decoder (./binary-encoder.ts,
 * ./binary-decoder.ts) so that they agree by construction.
 */
import { ScalarType } from "@bufbuild/protobuf";

export const wireVarint = 0;
export const wireBit64 = 1;
export const wireLengthDelimited = 2;
export const wireStartGroup = 3;
export const wireEndGroup = 4;
export const wireBit32 = 5;

/** The wire type of a scalar field's (unpacked) values. */
export function wireTypeOf(scalar: ScalarType): number {
  switch (scalar) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return wireLengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return wireBit64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return wireBit32;
    default:
      return wireVarint;
  }
}
