import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

/**
 * A modal dialog on the platform's own `<dialog>`: focus moves in and is kept there, Escape closes,
 * and focus goes back to where it was when it closes. Named by its title.
 */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** An API error, said where it happened; `role="alert"` announces it. */
export function ErrorAlert(props: { message: string | undefined }) {
  if (!props.message) return null;
  return (
    <p role="alert" class="alert">
      {props.message}
    </p>
  );
}
