import type Docker from 'dockerode';
import { BASE_RECIPE, buildBaseImage, recipeTag } from './base-image.js';

/**
 * Makes every image reference of the stack resolve on the private engine: builds the base image
 * when its recipe tag is missing (the cache), then tags it as each reference (node, redis,
 * haproxy, nginx). Returns the base tag.
 */
export async function ensureBaseImages(
  docker: Docker,
  socket: string,
  references: readonly string[],
  log: (line: string) => void,
): Promise<{ tag: string; built: boolean }> {
  const tag = recipeTag(BASE_RECIPE);
  let built = false;
  if (!(await exists(docker, tag))) {
    buildBaseImage(socket, BASE_RECIPE, tag, log);
    built = true;
    // Images of older recipes are not used again.
    for (const image of await docker.listImages({ filters: { reference: ['wslab-base'] } })) {
      if (!(image.RepoTags ?? []).includes(tag)) await docker.getImage(image.Id).remove({ force: true });
    }
  } else {
    log(`base image ${tag} cached`);
  }
  for (const reference of references) {
    const { repo, tag: refTag } = splitReference(reference);
    await docker.getImage(tag).tag({ repo, tag: refTag });
  }
  return { tag, built };
}

async function exists(docker: Docker, reference: string): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return true;
  } catch {
    return false;
  }
}

/** `repo[:tag]` (a registry port's colon is not a tag separator). */
export function splitReference(reference: string): { repo: string; tag: string } {
  const at = reference.lastIndexOf(':');
  if (at > reference.lastIndexOf('/')) return { repo: reference.slice(0, at), tag: reference.slice(at + 1) };
  return { repo: reference, tag: 'latest' };
}
