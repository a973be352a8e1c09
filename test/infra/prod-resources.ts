import { expect } from "vitest";
import { synthesize } from "./synth";

export type Resource = { Type: string; Properties: Record<string, unknown> };

/** The prod template's resources (the stack synthesised once per worker), and a finder over them. */
export function prodResources() {
  const { template } = synthesize("prod");
  const resources: Record<string, Resource> = template.toJSON().Resources;
  /** The one resource of `type` whose logical id starts with `prefix`. */
  const only = (type: string, prefix: string): [string, Resource] => {
    const found = Object.entries(resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
    expect(
      found.map(([id]) => id),
      `${type} ${prefix}`,
    ).toHaveLength(1);
    return found[0] as [string, Resource];
  };
  return { template, resources, only };
}
