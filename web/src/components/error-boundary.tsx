import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** When this changes (the user went to another page), the boundary tries to render again. */
  resetKey?: string;
  /** What to show instead of the default message (the root boundary offers a reload). */
  fallback?: (error: Error, retry: () => void) => ReactNode;
}

interface State {
  error: Error | null;
  resetKey?: string;
}

/**
 * Catches an error thrown while rendering the tree below it and shows it, instead of React
 * unmounting the whole app (a blank page). Around each page, so the sidebar keeps working; and
 * around the app, as the last resort.
 */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey === state.resetKey) return null;
    return { error: null, resetKey: props.resetKey };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('rastro dashboard: a page failed to render', error, info.componentStack);
  }

  private retry = () => this.setState({ error: null });

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    if (this.props.fallback) return this.props.fallback(error, this.retry);
    return <RenderError error={error} onRetry={this.retry} />;
  }
}

export function RenderError({ error, onRetry }: { error: Error; onRetry: () => void }) {
  return (
    <div className="page" role="alert" data-testid="render-error">
      <h1>This page could not be shown</h1>
      <div className="notice notice-bad">
        <p>
          Something in this page failed while it was being drawn: <code className="break">{error.message}</code>
        </p>
        <p>
          Events and deliveries are not affected: only this view failed. Try again, or open another page from the menu;
          if it keeps happening, reload the page.
        </p>
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      </div>
    </div>
  );
}
