import type { SecretLintRuleCreator, SecretLintSourceCode } from "@secretlint/types";
import { findFynexKeys } from "./fynex-keys.js";

export type { FoundFynexKey } from "./fynex-keys.js";
export { FYNEX_KEY_LENGTH, FYNEX_KEY_PREFIX, findFynexKeys, fynexKeyHint, isFynexKey } from "./fynex-keys.js";

/** The rule's id, as secretlint prints it beside each report: the package's name. */
export const RULE_ID = "secretlint-rule-fynex";

/**
 * What a report says. It names the key by its hint only: a report lands in terminals and CI logs,
 * and the key itself must not.
 */
export const messages = {
  FYNEX_API_KEY: {
    en: (props?: { HINT: string }) =>
      `found a Fynex API key (${props?.HINT}): a key must not be committed. Load it from the environment or a secret store, and rotate it if it was ever pushed.`,
  },
};

/** The rule takes no options: a Fynex key is reported wherever it is (silence one with secretlint's own means). */
export type Options = Record<string, never>;

/**
 * The secretlint rule: reports every Fynex API key in a text file, by its prefix and checksum. A
 * lookalike whose checksum is wrong is not reported; a key is, whatever its state at the service
 * (live, revoked, expired): the rule reads the file only, and asks nothing of anyone.
 */
export const creator: SecretLintRuleCreator<Options> = {
  messages,
  meta: {
    id: RULE_ID,
    type: "scanner",
    recommended: true,
    supportedContentTypes: ["text"],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source: SecretLintSourceCode) {
        for (const key of findFynexKeys(source.content)) {
          const { message, messageId } = t("FYNEX_API_KEY", { HINT: key.hint });
          // No `data`: secretlint masks every data value wherever it appears in the message (the CLI
          // does by default), and the hint, which is no secret, is there to be read. The key itself
          // is in neither.
          context.report({ message: { message, messageId, data: undefined }, range: [key.start, key.end] });
        }
      },
    };
  },
};
