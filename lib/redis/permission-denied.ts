/**
 * Whether Redis refused a command because the connection's ACL user lacks a
 * permission: the command itself, a key or a channel (`-NOPERM` replies).
 */
export function isPermissionDenied(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOPERM');
}
