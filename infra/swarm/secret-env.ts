/**
 * Swarm secrets arrive as files under /run/secrets, while the service and redis-cli read their
 * secrets from the environment. Each service's command is wrapped in this `sh` script: every file
 * of the secrets directory named like an environment variable becomes that variable, then the
 * real command is exec'd. No value ever appears in argv, the service spec or `docker inspect`.
 */

/** Where Swarm mounts a task's secrets (overridable for the test of the script). */
export const SECRETS_DIR = '/run/secrets';

/** The wrapper: exports `<dir>/<NAME>` as NAME for every NAME of [A-Z0-9_], then runs "$@". */
export const SECRET_ENV_SCRIPT = [
  `for f in "\${WSLAB_SECRETS_DIR:-${SECRETS_DIR}}"/*; do`,
  '  n=$(basename "$f")',
  "  case $n in ''|*[!A-Z0-9_]*) continue ;; esac",
  '  [ -f "$f" ] || continue',
  '  export "$n=$(cat "$f")"',
  'done',
  'exec "$@"',
].join('\n');

/** `command` run with the task's secrets in its environment. */
export function withSecretEnv(command: readonly string[]): string[] {
  // `sh -c SCRIPT NAME ARGS…`: NAME is $0, ARGS are "$@".
  return ['sh', '-c', SECRET_ENV_SCRIPT, 'wslab-secret-env', ...command];
}
