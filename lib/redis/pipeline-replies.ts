/**
 * The values of a pipeline's (or MULTI's) replies, in order; throws the first
 * command's error, as Redis gave it (a `NOPERM` stays recognisable).
 */
export function pipelineReplies(replies: Array<[Error | null, unknown]> | null): unknown[] {
  return (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
