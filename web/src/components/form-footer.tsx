import type { FormProblems } from '../problems.ts';
import { FormErrorNote } from './ui.tsx';

/** The end of a form: its error, the submit button ("Saving…" while busy) and Cancel when it can be cancelled. */
export function FormFooter({
  error,
  problems,
  busy,
  submit,
  onCancel,
}: {
  error: unknown;
  problems: FormProblems;
  busy: boolean;
  submit: string;
  onCancel?: () => void;
}) {
  return (
    <>
      <FormErrorNote error={error} problems={problems} />
      <div className="form-actions">
        <button className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submit}
        </button>
        {onCancel && (
          <button type="button" className="btn btn-link" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </>
  );
}
