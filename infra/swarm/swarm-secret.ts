import { createHash } from 'node:crypto';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';

/**
 * A Swarm secret holding `value`. Swarm secrets are immutable and a secret in use cannot be
 * removed, so the name carries a short digest of the value: a changed value creates the new
 * secret, rolls the services onto it, then deletes the old one (Pulumi's create-before-replace).
 * Eight hex digits of SHA-256 of a generated or checked (>= 16 character) secret reveal nothing usable.
 */
export function swarmSecret(
  name: string,
  secretName: string,
  value: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): docker.Secret {
  const plain = pulumi.secret(value);
  return new docker.Secret(
    name,
    {
      // The digest is no secret (see above): the name stays readable in the state and `docker secret ls`.
      name: pulumi.unsecret(plain.apply((text) => `${secretName}-${digest8(text)}`)),
      // The provider sends `data` as the Docker API's base64 field.
      data: plain.apply((text) => Buffer.from(text).toString('base64')),
    },
    opts,
  );
}

/** A Swarm config (not secret: rendered proxy configs, scripts), named by digest like swarmSecret. */
export function swarmConfig(
  name: string,
  configName: string,
  content: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): docker.ServiceConfig {
  const text = pulumi.output(content);
  return new docker.ServiceConfig(
    name,
    {
      name: text.apply((value) => `${configName}-${digest8(value)}`),
      data: text.apply((value) => Buffer.from(value).toString('base64')),
    },
    opts,
  );
}

function digest8(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
