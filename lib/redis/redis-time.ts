/** Redis' `TIME` reply (seconds, microseconds) in epoch ms, with the microsecond fraction. */
export function timeReplyMs([seconds, micros]: ReadonlyArray<string | number>): number {
  return Number(seconds) * 1000 + Number(micros) / 1000;
}
