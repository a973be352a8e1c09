import { SCOPE_DESCRIPTIONS, SCOPE_NOTES } from "../../../contract/scope-descriptions";
import { SCOPES, type Scope } from "../../../contract/scopes";

/**
 * One checkbox per scope (API.md §2), named by the scope id and what it grants, so that the name a
 * screen reader says starts with the id (`accounts:read — list and read accounts…`). `offered`: only
 * these scopes (the key policy's allowed ones, API.md §12); every scope when absent.
 */
export function ScopeChoices(props: {
  selected: Set<Scope>;
  onChange: (next: Set<Scope>) => void;
  offered?: readonly Scope[] | null;
  legend?: string;
  hint?: string;
}) {
  const toggle = (scope: Scope, on: boolean) => {
    const next = new Set(props.selected);
    if (on) next.add(scope);
    else next.delete(scope);
    props.onChange(next);
  };
  return (
    <fieldset class="scopes">
      <legend>{props.legend ?? "Scopes"}</legend>
      <p class="hint">{props.hint ?? "Choose only what the integration needs."}</p>
      {(props.offered ?? SCOPES).map((scope) => (
        <div class="scope" key={scope}>
          <label>
            <input
              type="checkbox"
              name="scopes"
              value={scope}
              checked={props.selected.has(scope)}
              onChange={(event) => toggle(scope, event.currentTarget.checked)}
            />{" "}
            <code>{scope}</code> — {SCOPE_DESCRIPTIONS[scope]}
          </label>
          {SCOPE_NOTES[scope] && <p class="note">{SCOPE_NOTES[scope]}</p>}
        </div>
      ))}
    </fieldset>
  );
}
