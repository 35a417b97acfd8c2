import { readFileSync } from 'node:fs';

/** One Dockerfile instruction, continuation lines joined, with the build stage it belongs to. */
export interface Instruction {
  keyword: string;
  args: string;
  /** Index of the stage (0 = first FROM); -1 before the first FROM (global ARGs). */
  stage: number;
}

/**
 * Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. Enough
 * for static checks (no parser directives, heredocs or escape-character changes in ours).
 */
export function parseDockerfile(path: string): Instruction[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    if (pending === '' && trimmed === '') continue;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${trimmed}`.trim();
    pending = '';
    if (full === '') continue;
    const space = full.search(/\s/);
    const keyword = full.slice(0, space).toUpperCase();
    if (keyword === 'FROM') stage += 1;
    instructions.push({ keyword, args: full.slice(space + 1).trim(), stage });
  }
  return instructions;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}
