import { ErrorAlert } from "./Modal";

/** A dialog form's end: the submit's error, Cancel, and the submit button, disabled while it runs. */
export function FormActions(props: {
  label: string;
  busy: boolean;
  error: string | undefined;
  onCancel: () => void;
}) {
  return (
    <>
      <ErrorAlert message={props.error} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={props.busy}>
          {props.label}
        </button>
      </div>
    </>
  );
}
