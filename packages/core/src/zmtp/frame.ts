/**
 * Frame flags (RFC 23/37 §"Framing"): one octet before every frame.
 *
 *   bit 0  MORE     another frame of the same message follows
 *   bit 1  LONG     size is 8 octets (else 1 octet)
 *   bit 2  COMMAND  the frame is a command, not message data
 *   bits 3-7        reserved, zero
 */
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;
export const FLAGS_RESERVED = 0xf8;

/** Largest body a short frame holds. */
export const SHORT_FRAME_MAX = 255;
